#!/usr/bin/env bash
# Run every test: native Rust tests (tim-proto, tim-core against an in-process server,
# tim-server over real WebSockets), the SDK build, wasm-bindgen tests in headless Chromium,
# and the JS tests against a real tim-server process: package checks, our SDK in Node,
# the official tim-js-sdk 2.27.6 as conformance oracle (with our SDK on the other end), and
# the two-page browser end-to-end test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh browser
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

step() { printf '\n=== %s\n' "$*"; }

step "native tests"
cargo test --workspace
cargo build -p tim-server

step "SDK build"
scripts/build-sdk.sh

step "start tim-server"
data=$(mktemp -d)
port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
TIM_DEMO=1 TIM_LISTEN="127.0.0.1:$port" TIM_DATA_DIR="$data" TIM_STATIC_DIR=dist/www RUST_LOG=warn \
  target/debug/tim-server serve > "$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
export TIM_URL="http://127.0.0.1:$port"
for _ in $(seq 1 100); do
  node -e "fetch('$TIM_URL/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break
  sleep 0.1
done
app=$(node -e "fetch('$TIM_URL/dev/usersig?userID=probe').then(r=>r.json()).then(j=>console.log(j.SDKAppID))")
echo "server $TIM_URL, SDKAppID $app"

step "browser tests (wasm-bindgen-test, headless Chromium)"
TIM_TEST_WS="ws://127.0.0.1:$port" TIM_TEST_SDKAPPID="$app" cargo test --target wasm32-unknown-unknown -p tim-wasm

step "package checks"
node tests/js/package.test.mjs

step "our SDK in Node"
node tests/node/sdk-c2c.mjs

step "conformance: official tim-js-sdk 2.27.6"
for t in tests/conformance/*.mjs; do
  [ "$t" = tests/conformance/cluster.mjs ] && continue # needs two nodes: cluster block below
  node "$t"
done

step "end to end: two headless Chromium pages"
node tests/e2e/browser.mjs

# ---------------------------------------------------------------------------------------------
# BEGIN cluster block (issue "Scale-out": several nodes, Redis). Uses TIM_TEST_REDIS_URL when set
# (scripts/services.sh exports it); otherwise starts its own redis-server (installed with apt-get
# if missing) and stops it on exit.
step "cluster: Redis"
cluster_pids=()
cluster_cleanup() {
  for p in "${cluster_pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
}
trap 'cluster_cleanup; kill $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
if [ -z "${TIM_TEST_REDIS_URL:-}" ]; then
  if ! command -v redis-server > /dev/null; then
    sudo_=""; [ "$(id -u)" = 0 ] || sudo_=sudo
    $sudo_ apt-get install -y redis-server || { $sudo_ apt-get update && $sudo_ apt-get install -y redis-server; }
  fi
  redis_port=$(free_port)
  redis_log=$(mktemp)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no > "$redis_log" 2>&1 &
  cluster_pids+=($!)
  export TIM_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
  for _ in $(seq 1 100); do
    redis-cli -p "$redis_port" ping > /dev/null 2>&1 && break
    sleep 0.1
  done
  echo "started redis-server on port $redis_port"
fi
echo "Redis: $TIM_TEST_REDIS_URL"

step "cluster: two nodes over Redis (in-process and kill -9 of a tim-server process)"
cargo test -p tim-server --test cluster

step "cluster: official SDK on node 1, tim-wasm on node 2"
cluster_data=$(mktemp -d)
start_node() { # $1 = node id; prints the node's base URL
  local port
  port=$(free_port)
  TIM_DEMO=1 TIM_LISTEN="127.0.0.1:$port" TIM_DATA_DIR="$cluster_data" TIM_REDIS_URL="$TIM_TEST_REDIS_URL" \
    TIM_NODE_ID="$1" RUST_LOG=warn target/debug/tim-server serve > "$cluster_data/$1.log" 2>&1 &
  cluster_pids+=($!)
  for _ in $(seq 1 100); do
    node -e "fetch('http://127.0.0.1:$port/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && break
    sleep 0.1
  done
  cluster_url="http://127.0.0.1:$port"
}
# Node 1 first: demo mode creates the app in the shared data dir; node 2 then serves it too.
start_node "ci-node1-$$"; export TIM_URL_1="$cluster_url"
start_node "ci-node2-$$"; export TIM_URL_2="$cluster_url"
echo "nodes $TIM_URL_1 $TIM_URL_2 (data $cluster_data)"
node tests/conformance/cluster.mjs
cluster_cleanup
cluster_pids=()
# END cluster block
# ---------------------------------------------------------------------------------------------

step "all tests passed"

#!/usr/bin/env bash
# Run every test:
#  1. native Rust tests on the default setup (SQLite, one node, no services): tim-proto,
#     tim-core against an in-process server, tim-server over real WebSockets;
#  2. the tim-server suite again on PostgreSQL, with the cluster tests over Redis (both started
#     on loopback by scripts/services.sh and stopped at the end);
#  3. the SDK build and its size budget (size-budget.json), wasm-bindgen tests of the wasm
#     boundary in headless Chromium, and the JS tests against a real tim-server process (SQLite): package checks
#     (with webpack 4/5 and Vite builds of a fixture app, and the TypeScript types compiled
#     with tsc --strict), our SDK in Node (also against an unreachable server), the official
#     tim-js-sdk 2.27.6 as conformance oracle (with our SDK on the other end), the official Mini
#     Program SDK tim-wx-sdk 2.27.6 in a simulated WeChat runtime, the two-page browser test;
#  4. two tim-server processes sharing PostgreSQL + Redis: the official SDK on one node and ours
#     on the other, and the official conformance script against the PostgreSQL-backed node.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh browser
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

step() { printf '\n=== %s\n' "$*"; }
free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  scripts/services.sh stop > /dev/null 2>&1 || true
}
trap cleanup EXIT

# Start a tim-server process in demo mode; extra VAR=value settings come first.
# Sets $node_url and appends the pid to $pids.
start_node() { # start_node <data dir> <log name> [VAR=value...]
  local data=$1 name=$2 port
  shift 2
  port=$(free_port)
  env TIM_DEMO=1 TIM_LISTEN="127.0.0.1:$port" TIM_DATA_DIR="$data" TIM_STATIC_DIR=dist/www RUST_LOG=warn "$@" \
    target/debug/tim-server serve > "$data/$name.log" 2>&1 &
  pids+=($!)
  node_url="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    node -e "fetch('$node_url/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))" && return 0
    sleep 0.1
  done
  echo "tim-server $name did not start:" >&2
  cat "$data/$name.log" >&2
  return 1
}

step "native tests (SQLite, single node, no services)"
env -u TIM_TEST_POSTGRES_URL -u TIM_TEST_REDIS_URL -u TIM_TEST_S3_ENDPOINT -u TIM_TEST_S3_BUCKET cargo test --workspace
# Every benchmark in its smoke mode (tiny sizes, debug build): a benchmark that no longer runs
# fails here. The measurements themselves: `cargo bench -p tim-server` (docs/BENCHMARKS.md).
env -u TIM_TEST_POSTGRES_URL TIM_BENCH_SMOKE=1 cargo test -p tim-server --bench fanout --bench connections --bench roundtrip
cargo build -p tim-server

step "services: PostgreSQL + Redis on loopback"
eval "$(scripts/services.sh start)"
echo "PostgreSQL $TIM_TEST_POSTGRES_URL, Redis $TIM_TEST_REDIS_URL"

step "tim-server suite on PostgreSQL, cluster tests over Redis"
cargo test -p tim-server

step "SDK build and size budget (size-budget.json)"
scripts/build-sdk.sh
node scripts/size-budget.mjs
node tests/js/size-budget.test.mjs

step "start tim-server (SQLite)"
data=$(mktemp -d)
start_node "$data" server
export TIM_URL="$node_url"
app=$(node -e "fetch('$TIM_URL/dev/usersig?userID=probe').then(r=>r.json()).then(j=>console.log(j.SDKAppID))")
echo "server $TIM_URL, SDKAppID $app"

step "browser tests of the wasm boundary (wasm-bindgen-test, headless Chromium)"
cargo test --target wasm32-unknown-unknown -p tim-wasm

step "package checks (entry points; method manifest; webpack 4, webpack 5, Vite and Node resolve one TIM; TypeScript types)"
node tests/js/package.test.mjs
# api/methods.json against the d.ts, the built instance, js/facade.js and docs/api.md.
node tests/js/manifest.test.mjs
node tests/js/bundlers.test.mjs
# tsc --noEmit --strict on tests/types (bundler, node16 ESM and CommonJS) and the d.ts against the instance.
node tests/js/types.test.mjs

step "our SDK in Node"
node tests/node/sdk-c2c.mjs
# The same on the basic edition (dist/pkg/basic.js: no group methods).
TIM_EDITION=basic node tests/node/sdk-c2c.mjs
node tests/node/unreachable.mjs
# A COMP frame that inflates past 16 MiB is dropped with bounded memory.
node tests/node/inflate-cap.mjs
# Object layout and identity, calls that must not fail: ours, then the official SDK as control.
node tests/node/objects.mjs
TIM_SDK=official node tests/node/objects.mjs
node tests/node/sdk-profiles.mjs
# What the SDK hands out (events, results) compiled as its declared TypeScript types.
node tests/node/sdk-types.mjs

step "conformance: official tim-js-sdk 2.27.6"
node tests/conformance/official-c2c.mjs
node tests/conformance/official-groups.mjs
node tests/conformance/official-group-members.mjs
node tests/conformance/official-rooms.mjs
node tests/conformance/official-conversations.mjs
node tests/conformance/official-sync.mjs
node tests/conformance/official-profiles.mjs
node tests/conformance/frames.mjs
# The official Mini Program SDK (tim-wx-sdk 2.27.6) in a simulated WeChat runtime: background,
# suspension and recovery of what it missed.
node tests/conformance/official-wx.mjs

step "end to end: headless Chromium pages (chat demo, groups through the JS API, tabs sharing one connection)"
node tests/e2e/browser.mjs
node tests/e2e/cache.mjs
# The platform under the engine: the IndexedDB store (pages, upserts, full disk), sockets and
# compressed frames, a warm start from a seeded cache.
node tests/e2e/store.mjs
node tests/e2e/groups.mjs
TIM_E2E_SDK=official node tests/e2e/groups.mjs
node tests/e2e/rooms.mjs
TIM_E2E_SDK=official node tests/e2e/rooms.mjs
node tests/e2e/tabs.mjs
# Two devices of one user in one browser need every instance kept online.
start_node "$(mktemp -d)" multi TIM_MULTI_INSTANCE=allow
TIM_URL="$node_url" node tests/e2e/conversations.mjs

step "cluster: two tim-server processes sharing PostgreSQL + Redis"
db="tim_cluster_$$"
psql -q "$TIM_TEST_POSTGRES_URL" -c "CREATE DATABASE $db"
pg_url="${TIM_TEST_POSTGRES_URL%/*}/$db"
cluster=(TIM_STORAGE=postgres "TIM_POSTGRES_URL=$pg_url" "TIM_REDIS_URL=$TIM_TEST_REDIS_URL")
# Node 1 first: demo mode creates the app in the shared database; node 2 then serves it too.
d1=$(mktemp -d); d2=$(mktemp -d)
start_node "$d1" node1 "${cluster[@]}" TIM_NODE_ID="ci-node1-$$"; export TIM_URL_1="$node_url"
start_node "$d2" node2 "${cluster[@]}" TIM_NODE_ID="ci-node2-$$"; export TIM_URL_2="$node_url"
echo "nodes $TIM_URL_1 $TIM_URL_2 on $pg_url"
node tests/conformance/cluster.mjs
TIM_URL="$TIM_URL_1" node tests/conformance/official-c2c.mjs

step "all tests passed"

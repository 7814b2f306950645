#!/usr/bin/env bash
# Run every test: native Rust tests (tim-proto, tim-core against an in-process server,
# tim-server over real WebSockets), the SDK build, wasm-bindgen tests in headless Chromium,
# and the JS tests against a real tim-server process: package checks, our SDK in Node,
# the official tim-js-sdk 2.27.6 as conformance oracle (with our SDK on the other end), and
# the two-page browser end-to-end test. The tim-server suite runs twice: on SQLite, then on a
# private PostgreSQL cluster that scripts/services.sh starts (and stops) on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh browser
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"

step() { printf '\n=== %s\n' "$*"; }

step "native tests"
cargo test --workspace
cargo build -p tim-server

# --- PostgreSQL backend: the whole tim-server suite again, on a private cluster --------------
step "tim-server tests on PostgreSQL (scripts/services.sh)"
trap 'scripts/services.sh stop || true' EXIT
eval "$(scripts/services.sh start)"
TIM_TEST_POSTGRES_URL="$TIM_TEST_POSTGRES_URL" cargo test -p tim-server
scripts/services.sh stop
trap - EXIT
# --- end PostgreSQL block ---------------------------------------------------------------------

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
for t in tests/conformance/*.mjs; do node "$t"; done

step "end to end: two headless Chromium pages"
node tests/e2e/browser.mjs

step "all tests passed"

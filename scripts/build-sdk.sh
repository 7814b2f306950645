#!/usr/bin/env bash
# Build the SDK: wasm (release, size-optimised) -> wasm-bindgen -> wasm-opt -Oz -> dist/pkg.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --target wasm32-unknown-unknown -p tim-wasm
out=target/wasm-bindgen
mkdir -p "$out"
wasm-bindgen --target no-modules --no-typescript --out-dir "$out" target/wasm32-unknown-unknown/release/tim_wasm.wasm
node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-reference-types --enable-multivalue --enable-mutable-globals \
  "$out/tim_wasm_bg.wasm" -o "$out/tim_wasm_bg.wasm"
node scripts/build-pkg.mjs "$out"
# The demo site served by `tim-server` (static_dir): the web-chat example plus the package.
rm -rf dist/www && mkdir -p dist/www
cp examples/web-chat/* dist/www/
cp -r dist/pkg dist/www/pkg

#!/usr/bin/env bash
# Build the SDK: for each distinct feature set of api/editions.json, wasm (release,
# size-optimised) -> wasm-bindgen -> wasm-opt -Oz into target/wasm-bindgen/<set>; then the
# package in dist/pkg (scripts/build-pkg.mjs) and the demo site in dist/www.
set -euo pipefail
cd "$(dirname "$0")/.."
# "<set name> <cargo features>" per distinct feature set: the name is the features joined with
# '+', the cargo features are the same without `base` (every edition has it).
node -e '
  const e = require("./api/editions.json").editions;
  const sets = new Set(Object.values(e).map((f) => [...f].sort().join("+")));
  for (const s of sets) console.log(s, s.split("+").filter((f) => f !== "base").join(",") || "-");
' | while read -r set features; do
  args=(--no-default-features)
  [ "$features" != "-" ] && args+=(--features "$features")
  cargo build --release --target wasm32-unknown-unknown -p tim-wasm "${args[@]}"
  out="target/wasm-bindgen/$set"
  mkdir -p "$out"
  wasm-bindgen --target no-modules --no-typescript --out-dir "$out" target/wasm32-unknown-unknown/release/tim_wasm.wasm
  node_modules/.bin/wasm-opt -Oz --converge --low-memory-unused --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-reference-types --enable-multivalue --enable-mutable-globals \
    "$out/tim_wasm_bg.wasm" -o "$out/tim_wasm_bg.wasm"
done
node scripts/build-pkg.mjs target/wasm-bindgen
# The demo site served by `tim-server` (static_dir): the web-chat example plus the package.
rm -rf dist/www && mkdir -p dist/www
cp examples/web-chat/* dist/www/
cp -r dist/pkg dist/www/pkg

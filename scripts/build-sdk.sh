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
  # std is rebuilt for the bundle (rust-src, scripts/ensure-tools.sh) with panics that abort at
  # once and without Debug formatting or panic locations: no panic message machinery, no
  # `{:?}` code, and std optimised for size like our crates. These are unstable flags, enabled on
  # the stable toolchain by RUSTC_BOOTSTRAP for this one build (docs/architecture.md, "The
  # bundle's build"); tests and the server build as usual.
  # TIM_BUILD_STD=0 builds with the prebuilt std instead (no rust-src needed; about 15 KB brotli
  # larger, so the size budget check fails).
  if [ "${TIM_BUILD_STD:-1}" = 1 ]; then
    RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none" \
      cargo build --release --target wasm32-unknown-unknown -p tim-wasm -Z build-std=std,panic_abort "${args[@]}"
  else
    cargo build --release --target wasm32-unknown-unknown -p tim-wasm "${args[@]}"
  fi
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

#!/usr/bin/env bash
# Install what the build and tests need, skipping what is already there:
# the wasm32 target, std's source (rust-src), wasm-bindgen-cli pinned to Cargo.lock's wasm-bindgen, npm dev dependencies,
# and (with `browser`) Debian's chromium + chromium-driver.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi

# The bundle's build rebuilds std for size (scripts/build-sdk.sh), which needs its source.
if [ ! -d "$(rustc --print sysroot)/lib/rustlib/src/rust/library/core" ]; then
  rustup component add rust-src
fi

want=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (Cargo.lock) ..."
  cargo install wasm-bindgen-cli --version "$want"
fi

if [ "${1:-}" = browser ]; then
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update
    $sudo apt-get install -y chromium chromium-driver
  fi
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

#!/usr/bin/env bash
# Build everything and start tim-server in demo mode with embedded SQLite (data in ./.data),
# serving the web-chat demo and the built SDK. Prints the URL to open.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-tools.sh
scripts/build-sdk.sh
cargo build --release -p tim-server
export TIM_DEMO="${TIM_DEMO:-1}" TIM_DATA_DIR="${TIM_DATA_DIR:-.data}" TIM_STATIC_DIR="${TIM_STATIC_DIR:-dist/www}"
export TIM_LISTEN="${TIM_LISTEN:-127.0.0.1:8080}"
echo
echo "Open http://${TIM_LISTEN}/ in two browser windows, log in as two users and chat."
echo
exec target/release/tim-server serve

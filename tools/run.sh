#!/usr/bin/env bash
# Sets up (first time), builds the release app and serves it on
# http://127.0.0.1:3000 with its data in ./data. Settings come from the
# environment or flags after the command (see README).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
bash tools/setup.sh
cargo leptos build --release --split
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-$ROOT/target/site}"
echo "Serving on http://${LISTEN_ADDR:-127.0.0.1:3000} (Ctrl+C stops)"
exec "$BIN" serve "$@"

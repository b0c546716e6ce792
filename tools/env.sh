# Shared settings for the tools/ scripts (sourced, not run).
# The cargo target directory lives outside the clone so that repeated runs
# (and fresh clones) build incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/account-settings/target}"
# Server-function URLs carry a hash of this key (by default: the checkout's
# path). One key for every checkout, so that clones sharing the target
# directory above build a server and a WASM that agree on them.
export SERVER_FN_OVERRIDE_KEY="${SERVER_FN_OVERRIDE_KEY:-account-settings}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# wasm-opt from npm's binaryen (Debian's is too old to produce WASM that hydrates).
export PATH="$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
BIN="${BIN:-$CARGO_TARGET_DIR/release/account-settings}"
export BIN

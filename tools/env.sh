# Shared settings for the tools/ scripts (sourced, not run).
# The cargo target directory lives outside the clone so that repeated runs
# (and fresh clones) build incrementally.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/account-settings/target}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ROOT
# wasm-opt from npm's binaryen (Debian's is too old to produce WASM that hydrates).
export PATH="$ROOT/end2end/node_modules/.bin:$HOME/.cargo/bin:$PATH"
BIN="$CARGO_TARGET_DIR/release/account-settings"
export BIN

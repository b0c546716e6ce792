#!/usr/bin/env bash
# Formatting and clippy (-D warnings) for the server and the browser build.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
cargo fmt --check
# `--all-targets` leaves out the balanced tests (test = false): named here.
cargo clippy --features ssr --all-targets --test balanced -- -D warnings
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings

#!/usr/bin/env bash
# Formatting and clippy (-D warnings) for the server and the browser build,
# and the fuzz targets' formatting.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
cargo fmt --check
# `--all-targets` leaves out the balanced tests (test = false): named here.
cargo clippy --features ssr --all-targets --test balanced -- -D warnings
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
# The fuzz crate is a workspace of its own (built by cargo-fuzz on nightly):
# its formatting is checked here, its code by `make fuzz`.
rustfmt --check --edition 2021 fuzz/fuzz_targets/*.rs

#!/usr/bin/env bash
# Formatting and clippy (-D warnings) for the server and the browser build,
# the fuzz targets' formatting, and no circle of imports among src/'s files.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
cargo fmt --check
python3 tools/import_cycles.py
# `--all-targets` leaves out the balanced tests (test = false): named here.
cargo clippy --features ssr --all-targets --test balanced -- -D warnings
cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
# The fuzz crate is a workspace of its own (built by cargo-fuzz on nightly):
# its formatting is checked here, its code by `make fuzz`.
rustfmt --check --edition 2021 fuzz/fuzz_targets/*.rs

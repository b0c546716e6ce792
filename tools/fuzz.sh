#!/usr/bin/env bash
# Runs each fuzz target (fuzz/fuzz_targets/) for FUZZ_SECONDS (default 300)
# with cargo-fuzz and libFuzzer on the nightly toolchain, growing the corpora
# kept in fuzz/corpus/. A finding stops its target with the input that
# caused it, saved under fuzz/artifacts/. Usage: tools/fuzz.sh [target...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT/fuzz"
if ! rustup toolchain list | grep -q '^nightly'; then
  echo "cargo-fuzz needs the nightly toolchain: rustup toolchain install nightly" >&2
  exit 1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  env -u CARGO_TARGET_DIR cargo install cargo-fuzz --version 0.13.2 --locked
fi
# A target directory of its own: the fuzz build instruments every crate.
export CARGO_TARGET_DIR="$HOME/.cache/account-settings/fuzz-target"
seconds="${FUZZ_SECONDS:-300}"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(token_parse validators avatar audit_query)
# Safe Rust needs no address sanitizer here; libFuzzer's coverage and the
# targets' own assertions do the finding. Inputs are capped at 64 KiB.
cargo +nightly fuzz build -O --sanitizer none
log="$(mktemp)"
for t in "${targets[@]}"; do
  printf '\n==> %s for %s s\n' "$t" "$seconds"
  set +e
  cargo +nightly fuzz run -O --sanitizer none "$t" "corpus/$t" -- \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=1024 -print_final_stats=1 \
    > "$log" 2>&1
  status=$?
  set -e
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb|stat::new_units_added)' "$log" || true
  if [ "$status" -ne 0 ]; then
    tail -40 "$log"
    echo "FAILED: $t found a failing input (saved under fuzz/artifacts/$t)"
    exit 1
  fi
done
rm -f "$log"

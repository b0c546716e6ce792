#!/usr/bin/env bash
# 20 SIGKILLs (CRASH_KILLS) at random moments of mixed traffic, on SQLite and
# then on PostgreSQL (tests/integration/kill.rs); prints each round.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
source tools/postgres.sh
export CRASH_KILLS="${CRASH_KILLS:-20}"
for db in sqlite postgres; do
  printf '\n==> %s SIGKILLs on %s\n' "$CRASH_KILLS" "$db"
  TEST_DATABASE="$db" cargo test --features ssr --test integration -- \
    kill::sigkill_at_random_moments_of_mixed_traffic_loses_no_answered_change --exact --nocapture 2>&1 \
    | grep -E '^round|^test |test result|panicked|assert|^error'
done

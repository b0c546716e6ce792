#!/usr/bin/env bash
# Runs every test: unit and integration tests (cargo test) on SQLite and on
# PostgreSQL, then, against the release server, the concurrency tests through
# nginx and the browser tests (Playwright, Debian's Chromium).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
bash tools/setup.sh --browser

# The PostgreSQL suite needs a server, and so does the SQLite suite's
# `db copy` test (SQLite into PostgreSQL).
source tools/postgres.sh

# A suite (built beforehand) that has not finished in this time has a test hung: it is
# stopped (its whole process group) and fails, naming the tests that ran
# over 60 seconds, rather than holding the run until CI gives up.
SUITE_LIMIT="${SUITE_LIMIT:-1200}"

set +e
printf '\n==> dependencies: cargo-deny (licenses, sources, duplicates, advisories)\n'
bash tools/deny.sh 2>&1 | tee "${TMPDIR:-/tmp}/account-settings-deny.log"
deny_status=${PIPESTATUS[0]}

printf '\n==> building the tests\n'
cargo test --features ssr --no-run 2>&1 | tail -3

printf '\n==> unit and integration tests (SQLite)\n'
timeout "$SUITE_LIMIT" cargo test --features ssr --no-fail-fast 2>&1 \
  | tee "${TMPDIR:-/tmp}/account-settings-cargo-test.log"
cargo_status=${PIPESTATUS[0]}

printf '\n==> integration tests on PostgreSQL\n'
TEST_DATABASE=postgres timeout "$SUITE_LIMIT" cargo test --features ssr --no-fail-fast --test integration 2>&1 \
  | tee "${TMPDIR:-/tmp}/account-settings-cargo-test-pg.log"
pg_status=${PIPESTATUS[0]}
set -e

printf '\n==> release build for the balanced and browser tests\n'
cargo leptos build --release --split

printf '\n==> concurrency tests through nginx (two release instances on PostgreSQL per test)\n'
set +e
cargo test --features ssr --test balanced -- --test-threads=1 2>&1 \
  | tee "${TMPDIR:-/tmp}/account-settings-cargo-test-balanced.log"
balanced_status=${PIPESTATUS[0]}
set -e

printf '\n==> Schemathesis against the API document\n'
set +e
bash tools/schemathesis.sh 2>&1 | tee "${TMPDIR:-/tmp}/account-settings-schemathesis.log"
schemathesis_status=${PIPESTATUS[0]}
printf '\n==> the API document through a validator and a generated Python client (tools/openapi_client.sh)\n'
bash tools/openapi_client.sh 2>&1 | tee "${TMPDIR:-/tmp}/account-settings-openapi-client.log"
openapi_client_status=${PIPESTATUS[0]}
printf '\n==> a short load run (tools/load.sh)\n'
LOAD_SKIP_BUILD=1 LOAD_SECONDS="${LOAD_SECONDS:-15}" bash tools/load.sh 2>&1 \
  | tee "${TMPDIR:-/tmp}/account-settings-load.log"
load_status=${PIPESTATUS[0]}
set -e

printf '\n==> browser tests\n'
data="$(mktemp -d)"
port="${E2E_PORT:-3100}"
export E2E_PORT="$port"
# Mail goes to a real SMTP server on 127.0.0.1 that files each message in
# E2E_MAIL_DIR, where the mail tests read their links.
export E2E_MAIL_DIR="$(mktemp -d)"
/usr/bin/python3 tools/smtp_sink.py "$E2E_MAIL_DIR" > "$E2E_MAIL_DIR/port" &
sink=$!
for _ in $(seq 50); do [ -s "$E2E_MAIL_DIR/port" ] && break; sleep 0.1; done
export SMTP_URL="smtp://127.0.0.1:$(cat "$E2E_MAIL_DIR/port")?tls=none"
# The admin test makes its administrator with the CLI on the same data.
export E2E_DATA_DIR="$data" E2E_BIN="$BIN"
# The browser tests sign every user up from one address; the platform file
# is the balanced tests' (its scope is in the token form in both runs).
export E2E_SERVER_CMD="env SIGNUPS_PER_ADDRESS=1000 PLATFORM_CONFIG=$ROOT/tests/balanced/platform.toml DATA_DIR=$data LEPTOS_SITE_ROOT=$ROOT/target/site LISTEN_ADDR=127.0.0.1:$port PUBLIC_URL=http://127.0.0.1:$port $BIN serve"
set +e
(cd end2end && npx playwright test) 2>&1 | tee "${TMPDIR:-/tmp}/account-settings-e2e.log"
e2e_status=${PIPESTATUS[0]}
set -e
rm -rf "$data"

printf '\n==> browser tests again: two instances on PostgreSQL behind nginx\n'
lb_port="${E2E_LB_PORT:-3200}"
export BALANCED_ENV="$(mktemp)"
bash tools/balanced.sh "$lb_port" &
balanced=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$lb_port/healthz" >/dev/null 2>&1 && break
  sleep 0.3
done
set +e
(
  set -a; source "$BALANCED_ENV"; set +a
  cd end2end && E2E_EXTERNAL=1 E2E_PORT="$lb_port" E2E_DATA_DIR="$(mktemp -d)" npx playwright test
) 2>&1 | tee "${TMPDIR:-/tmp}/account-settings-e2e-balanced.log"
lb_status=${PIPESTATUS[0]}
set -e
kill "$balanced" 2>/dev/null || true
wait "$balanced" 2>/dev/null || true
rm -f "$BALANCED_ENV"
kill "$sink" 2>/dev/null || true
rm -rf "$E2E_MAIL_DIR"

printf '\n==> summary\n'
echo "Dependencies (cargo-deny):"
grep -E '^(bans|licenses|advisor)' "${TMPDIR:-/tmp}/account-settings-deny.log" || true
echo "SQLite:"
grep -E '^test result:|has been running for over' "${TMPDIR:-/tmp}/account-settings-cargo-test.log" || true
[ "$cargo_status" -eq 124 ] && echo "stopped after $SUITE_LIMIT s: a test hung"
echo "PostgreSQL:"
grep -E '^test result:|has been running for over' "${TMPDIR:-/tmp}/account-settings-cargo-test-pg.log" || true
[ "$pg_status" -eq 124 ] && echo "stopped after $SUITE_LIMIT s: a test hung"
echo "Concurrency, two instances on PostgreSQL behind nginx:"
grep -E '^test result:' "${TMPDIR:-/tmp}/account-settings-cargo-test-balanced.log" || true
echo "Schemathesis (two runs):"
grep -E '^=+ .*(issues found|passed|warning|failure|error).* in [0-9.]+s =+$' \
  "${TMPDIR:-/tmp}/account-settings-schemathesis.log" || true
echo "OpenAPI document (openapi-spec-validator, generated client):"
grep -E '^(openapi\.json: |On instance|FAILED: |openapi client:)' \
  "${TMPDIR:-/tmp}/account-settings-openapi-client.log" || true
echo "Load run:"
grep -E '^(throughput|latency|load run|FAILED)' "${TMPDIR:-/tmp}/account-settings-load.log" || true
# Playwright's own summary lines ("12 passed (30.4s)", and any failed/flaky
# with the names of those tests and the first line of each error).
e2e_summary='^ +[0-9]+ (passed|failed|flaky|skipped|did not run|errors? was|errors? were)|^ +tests/[^ ]+:[0-9]+:[0-9]+ |^ *Error: '
echo "Browser, one instance on SQLite:"
grep -E "$e2e_summary" "${TMPDIR:-/tmp}/account-settings-e2e.log" || true
echo "Browser, two instances on PostgreSQL behind nginx:"
grep -E "$e2e_summary" "${TMPDIR:-/tmp}/account-settings-e2e-balanced.log" || true
[ "$deny_status" -eq 0 ] && [ "$cargo_status" -eq 0 ] && [ "$pg_status" -eq 0 ] && [ "$balanced_status" -eq 0 ] \
  && [ "$schemathesis_status" -eq 0 ] && [ "$openapi_client_status" -eq 0 ] && [ "$load_status" -eq 0 ] \
  && [ "$e2e_status" -eq 0 ] && [ "$lb_status" -eq 0 ]

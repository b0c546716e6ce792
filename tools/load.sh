#!/usr/bin/env bash
# Load run: the release server on a fresh database under a mix of traffic
# (tools/load.lua: API calls with several tokens, Tokens and Audit Log
# pages, sign-ins) at 64 connections. Prints throughput, p50/p99, every
# status with its count, socket errors and the server's resident memory
# (every LOAD_SAMPLE seconds, and its peak); fails on any 5xx or dropped
# connection.
#   LOAD_SECONDS (60)      how long the load runs; 600 for the memory check
#   LOAD_CONNECTIONS (64)  concurrent connections
#   LOAD_DB=postgres       PostgreSQL instead of SQLite
#   LOAD_SKIP_BUILD=1      use the release server already built
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
bash tools/setup.sh
if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk
fi
[ -n "${LOAD_SKIP_BUILD:-}" ] || cargo leptos build --release --split

SECONDS_RUN="${LOAD_SECONDS:-60}"
CONNECTIONS="${LOAD_CONNECTIONS:-64}"
SAMPLE="${LOAD_SAMPLE:-$(( SECONDS_RUN >= 300 ? 60 : 10 ))}"
port="${LOAD_PORT:-3400}"
base="http://127.0.0.1:$port"
data="$(mktemp -d)"
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
PASSWORD="load password 12345678"
export LEPTOS_SITE_ROOT="$ROOT/target/site" RUST_LOG=warn DATA_DIR="$data/server"
export LISTEN_ADDR="127.0.0.1:$port" PUBLIC_URL="$base"
# Far beyond what the run makes: the limit is counted, never reached.
export API_RATE_LIMIT_PER_HOUR=100000000 MAX_TOKENS_PER_USER=8
mkdir -p "$DATA_DIR"
label="SQLite"
if [ "${LOAD_DB:-sqlite}" = "postgres" ]; then
  source tools/postgres.sh
  name="as_load_$$"
  psql -q "$TEST_POSTGRES_URL" -c "CREATE DATABASE $name"
  trap 'cleanup; psql -q "$TEST_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1' EXIT
  pg_base="${TEST_POSTGRES_URL%%\?*}"
  export DATABASE_URL="${pg_base%/*}/$name"
  # PostgreSQL needs the server key given (every instance seals with it).
  SECRET_KEY="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
  export SECRET_KEY
  label="PostgreSQL"
fi

"$BIN" serve > "$data/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "$PASSWORD" | "$BIN" user create --handle load --email load@example.com >/dev/null
tokens=""
for i in 1 2 3 4 5 6 7 8; do
  tokens="$tokens $("$BIN" token issue --handle load --name "load $i" --expires-days 7 2>/dev/null | head -n1)"
done
login_path="$(curl -s "$base/login" | grep -o 'action="/api/login[^"]*"' | head -n1 | cut -d'"' -f2)"
login_body="login=load&password=$(echo "$PASSWORD" | sed 's/ /+/g')"
cookie="$(curl -s -o /dev/null -D - -H "Origin: $base" --data "$login_body" "$base$login_path" \
  | tr -d '\r' | awk -F'[ ;]' 'tolower($1) == "set-cookie:" && $2 ~ /^session=/ { print $2 }')"
[ -n "$cookie" ] || { echo "could not sign in"; exit 1; }

rss() { awk '/^VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$server/status"; }
echo "== $label, $CONNECTIONS connections, ${SECONDS_RUN}s of mixed traffic (tools/load.lua), $(nproc) cores shared with wrk"
echo "resident memory at start: $(rss) MB"
(
  elapsed=0
  while sleep 1; do
    elapsed=$((elapsed + 1))
    [ -e "/proc/$server/status" ] || exit 0
    r="$(rss)"
    echo "$r" >> "$data/rss"
    [ $((elapsed % SAMPLE)) -ne 0 ] || echo "  after ${elapsed}s: $r MB resident"
  done
) &
sampler=$!
LOAD_TOKENS="$tokens" LOAD_COOKIE="$cookie" LOAD_LOGIN_PATH="$login_path" \
  LOAD_LOGIN_BODY="$login_body" LOAD_ORIGIN="$base" \
  wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --timeout 10s --latency -s tools/load.lua "$base" \
  > "$data/wrk.txt"
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
sleep 2
echo "resident memory 2 s after the load: $(rss) MB; peak during it: $(sort -n "$data/rss" | tail -n1) MB"
awk '/Requests\/sec/ { print "throughput: " $2 " requests/s" }
     $1 == "50%" { print "latency p50: " $2 }
     $1 == "99%" { print "latency p99: " $2 }
     /requests in/ { print "requests: " $1 }' "$data/wrk.txt"
grep -E '^(status|socket errors)' "$data/wrk.txt"
server_errors="$(awk '/^status 5/ { n += $3 } END { print n + 0 }' "$data/wrk.txt")"
dropped="$(awk '/^socket errors/ { gsub(/,/, ""); print $4 + $6 + $8 + $10 }' "$data/wrk.txt")"
# Errors the server logged are listed (a known one: "AppState missing from
# context" when wrk closes its connections while pages render); a panic
# fails the run.
if grep -qE 'ERROR' "$data/server.log"; then
  echo "the server logged $(grep -c 'ERROR' "$data/server.log") errors, the first:"
  grep -E 'ERROR' "$data/server.log" | head -n 5
fi
if grep -q 'panicked' "$data/server.log"; then
  echo "FAILED: the server panicked"; grep 'panicked' "$data/server.log" | head -n 5
  exit 1
fi
if [ "$server_errors" -ne 0 ] || [ "$dropped" -ne 0 ]; then
  echo "FAILED: $server_errors answers were 5xx, $dropped connections dropped or timed out"
  exit 1
fi
echo "load run passed: no 5xx, no dropped connection"

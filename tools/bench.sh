#!/usr/bin/env bash
# Load test: the release server, a fresh database, wrk on loopback.
# Prints the throughput of GET /healthz and of token-authenticated
# GET /api/v1/user (audit included) in the same run, their ratio (target
# >= 0.6), p99 latencies, and the gzipped size of the release WASM.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
bash tools/setup.sh
if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q wrk
fi
# BENCH_SKIP_BUILD=1 measures what is already built.
[ -n "${BENCH_SKIP_BUILD:-}" ] || cargo leptos build --release --split

DURATION="${BENCH_SECONDS:-8}"
# Rounds of healthz-then-user: the ratio is taken within each round, so a
# machine that speeds up or slows down mid-run (shared VMs do) skews less.
ROUNDS="${BENCH_ROUNDS:-3}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
port="${BENCH_PORT:-3300}"
data="$(mktemp -d)"
export DATA_DIR="$data" LEPTOS_SITE_ROOT="$ROOT/target/site" LISTEN_ADDR="127.0.0.1:$port" RUST_LOG=warn
"$BIN" serve &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

echo "bench password 12345678" | "$BIN" user create --handle bench --email bench@example.com --admin >/dev/null
token="$("$BIN" token issue --handle bench --name bench --expires-days 7)"

run() { # name, then wrk arguments
  local name="$1"; shift
  wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" > "$data/$name.txt"
}
echo "warming up…"
wrk -t2 -c"$CONNECTIONS" -d4s "http://127.0.0.1:$port/healthz" >/dev/null
wrk -t2 -c"$CONNECTIONS" -d4s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/user" >/dev/null
for r in $(seq "$ROUNDS"); do
  echo "round $r/$ROUNDS: GET /healthz, then GET /api/v1/user, ${DURATION}s each…"
  run "healthz$r" "http://127.0.0.1:$port/healthz"
  run "user$r" -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/user"
done

# The Tokens page, server-rendered for a signed-in user: sign in through the
# login form's own action URL, then time GETs on one connection.
base="http://127.0.0.1:$port"
action="$(curl -s "$base/login" | grep -o 'action="/api/login[^"]*"' | head -n1 | cut -d'"' -f2)"
cookie="$(curl -s -o /dev/null -D - -H "Origin: $base" \
  --data-urlencode login=bench --data-urlencode 'password=bench password 12345678' "$base$action" \
  | tr -d '\r' | awk -F'[ ;]' 'tolower($1) == "set-cookie:" && $2 ~ /^session=/ { print $2 }')"
echo "loading GET /settings/tokens (signed in, 1 connection) for ${DURATION}s…"
wrk -t1 -c1 -d"${DURATION}s" --latency -H "Cookie: $cookie" -H "Accept: text/html" \
  "$base/settings/tokens" > "$data/page.txt"
p50() { awk '$1 == "50%" { print $2 }' "$data/$1.txt"; }
page_ok=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base/settings/tokens")

rps() { awk '/^Requests\/sec/ { print $2 }' "$data/$1.txt"; }
p99() { awk '$1 == "99%" { print $2 }' "$data/$1.txt"; }
errors() { awk '/Non-2xx|Socket errors/ { print }' "$data/$1.txt"; }

echo
echo "== results ($ROUNDS rounds, ${DURATION}s per load, $CONNECTIONS connections, 2 wrk threads, loopback) =="
ratios=""
for r in $(seq "$ROUNDS"); do
  h=$(rps "healthz$r"); u=$(rps "user$r")
  ratio=$(awk -v h="$h" -v u="$u" 'BEGIN { printf "%.2f", u / h }')
  ratios="$ratios $ratio"
  printf 'round %d  GET /healthz %9s req/s (p99 %6s)   GET /api/v1/user %9s req/s (p99 %6s)   ratio %s\n' \
    "$r" "$h" "$(p99 "healthz$r")" "$u" "$(p99 "user$r")" "$ratio"
  errors "healthz$r"; errors "user$r"
done
echo "$ratios" | tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END {
  printf "ratio user/healthz: median %.2f, lowest %.2f   (target >= 0.60)\n", a[int((NR + 1) / 2)], a[1] }'
printf 'GET /settings/tokens (signed in, 1 connection)   %s req/s   p50 %s (status %s; target p50 < 2ms)\n' \
  "$(rps page)" "$(p50 page)" "$page_ok"
errors page
echo
node tools/wasm-size.mjs "$ROOT/target/site/pkg" "$base" bench "bench password 12345678"

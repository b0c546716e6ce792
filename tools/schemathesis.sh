#!/usr/bin/env bash
# Schemathesis (property-based API testing, from PyPI, in a virtualenv under
# $HOME/.cache/account-settings) against the release server's
# /api/v1/openapi.json, every check on (tools/schemathesis.toml says which
# one is off for which operation, and why): the document must describe
# every answer the API gives. Two bounded runs on a fresh SQLite database:
# every operation that leaves the token working, with a token of every
# scope; then DELETE and the regenerations, with a throwaway token of the
# same user. SCHEMATHESIS_EXAMPLES (default 25) bounds the examples per
# operation.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
venv="$HOME/.cache/account-settings/venv"
if [ ! -x "$venv/bin/schemathesis" ]; then
  /usr/bin/python3 -m venv "$venv" 2>/dev/null || {
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-venv
    /usr/bin/python3 -m venv "$venv"
  }
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi
port="${SCHEMATHESIS_PORT:-3600}"
base="http://127.0.0.1:$port"
data="$(mktemp -d)"
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
export DATA_DIR="$data/server" LISTEN_ADDR="127.0.0.1:$port" RUST_LOG=warn
export LEPTOS_SITE_ROOT="$ROOT/target/site" MAX_TOKENS_PER_USER=50
mkdir -p "$DATA_DIR"
"$BIN" serve > "$data/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
echo "schemathesis password 1234" | "$BIN" user create --handle fuzz --email fuzz@example.com >/dev/null
# Tokens for the regenerate and delete operations to act on.
for i in $(seq 5); do "$BIN" token issue --handle fuzz --name "spare $i" >/dev/null; done
token="$("$BIN" token issue --handle fuzz --name schemathesis | head -n1)"
throwaway="$("$BIN" token issue --handle fuzz --name throwaway | head -n1)"
st() {
  (cd "$data" && "$venv/bin/schemathesis" --config-file "$ROOT/tools/schemathesis.toml" run \
    "$base/api/v1/openapi.json" --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" --workers 2 \
    --seed 1 "$@")
}
status=0
echo "== Schemathesis: every operation that leaves the token working"
st -H "Authorization: Bearer $token" --exclude-method DELETE --exclude-path-regex 'rotate' \
  || status=1
echo "== Schemathesis: DELETE and regenerate, with a throwaway token"
st -H "Authorization: Bearer $throwaway" --include-path-regex 'rotate|/tokens/\{id\}$' \
  --exclude-method GET || status=1
if grep -qE 'panicked|ERROR' "$data/server.log"; then
  echo "the server logged errors:"; grep -E 'panicked|ERROR' "$data/server.log" | head -n 20
  status=1
fi
exit "$status"

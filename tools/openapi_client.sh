#!/usr/bin/env bash
# The API document as a client generator reads it: the release server's
# /api/v1/openapi.json must pass openapi-spec-validator, and the Python
# client that openapi-python-client generates from it (in a temporary
# directory, never committed) must make every GET operation the document
# declares and parse each answer into the model the document names
# (tools/openapi_client.py). Both tools come from PyPI, pinned, into the
# virtualenv that tools/schemathesis.sh uses. OPENAPI_CLIENT_PORT (default
# 3650) is the server's port.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
venv="$HOME/.cache/account-settings/venv"
pins=("openapi-spec-validator==0.9.0" "openapi-python-client==0.29.1")
if [ ! -x "$venv/bin/python" ]; then
  /usr/bin/python3 -m venv "$venv" 2>/dev/null || {
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-venv
    /usr/bin/python3 -m venv "$venv"
  }
fi
installed="$("$venv/bin/pip" freeze 2>/dev/null || true)"
for pin in "${pins[@]}"; do
  grep -qixF "$pin" <<<"$installed" || { "$venv/bin/pip" install -q "${pins[@]}"; break; }
done

port="${OPENAPI_CLIENT_PORT:-3650}"
base="http://127.0.0.1:$port"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
if curl -s -o /dev/null "$base/"; then
  echo "openapi client: something already answers on port $port (set OPENAPI_CLIENT_PORT)" >&2
  exit 1
fi
export DATA_DIR="$work/server" LISTEN_ADDR="127.0.0.1:$port" RUST_LOG=warn
export LEPTOS_SITE_ROOT="$ROOT/target/site"
mkdir -p "$DATA_DIR"
"$BIN" serve > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do curl -fs "$base/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
if ! curl -fs "$base/healthz" >/dev/null; then
  echo "openapi client: the server did not come up on $base:"; tail -n 20 "$work/server.log"
  exit 1
fi
echo "openapi client password 1234" | "$BIN" user create --handle client --email client@example.com >/dev/null
# With no --scope the token gets every scope (the CLI prints them on stderr).
token="$("$BIN" token issue --handle client --name openapi-client 2>"$work/issue.txt" | head -n1)"
grep '^scopes:' "$work/issue.txt" || true
# A few requests, so that the audit log has more than one page of 2.
for _ in 1 2 3 4; do
  curl -fs -o /dev/null -H "Authorization: Bearer $token" "$base/api/v1/user"
done

echo "== openapi-spec-validator"
curl -fsS -o "$work/openapi.json" "$base/api/v1/openapi.json"
(cd "$work" && "$venv/bin/openapi-spec-validator" openapi.json) || {
  echo "openapi client: openapi-spec-validator refused the document (above: what, and where)"
  exit 1
}

echo "== openapi-python-client"
# No post hooks: formatting the generated code (ruff) serves no purpose here.
# A warning is an operation or a model left out of the client: a failure.
echo 'post_hooks: []' > "$work/generator.yaml"
"$venv/bin/openapi-python-client" generate --path "$work/openapi.json" --meta none \
  --config "$work/generator.yaml" --output-path "$work/gen/account_settings_client" \
  --fail-on-warning

echo "== every GET operation through the generated client"
status=0
PYTHONPATH="$work/gen" "$venv/bin/python" tools/openapi_client.py \
  --document "$work/openapi.json" --package account_settings_client \
  --base-url "$base" --token "$token" || status=1
if grep -qE 'panicked|ERROR' "$work/server.log"; then
  echo "the server logged errors:"; grep -E 'panicked|ERROR' "$work/server.log" | head -n 20
  status=1
fi
exit "$status"

#!/usr/bin/env bash
# Two release instances (BALANCED_INSTANCES) on one fresh PostgreSQL database behind nginx
# (round-robin, no stickiness), each with a data directory of its own, in the
# foreground until stopped. Used by tools/test.sh to run the browser tests
# through a real load balancer; also handy to try several instances by hand:
#
#   bash tools/balanced.sh 3200      # then open http://127.0.0.1:3200
#
# Needs TEST_POSTGRES_URL (tools/postgres.sh sets it) and the release build.
# BALANCED_DATABASE=sqlite: one instance on an SQLite file of its own
# instead (the forward-auth tests run both ways).
# Writes the database URL and the instances' process ids to $BALANCED_ENV (if
# set) for the caller's use.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$ROOT"
port="${1:-3200}"
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q nginx-light >&2
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
if ! command -v psql >/dev/null 2>&1; then
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql-client >&2
fi

work="$(mktemp -d)"
name="as_balanced_$$"
if [ "${BALANCED_DATABASE:-postgres}" = sqlite ]; then
  BALANCED_INSTANCES=1
  url="sqlite://$work/data1/account-settings.db"
  server=""
else
  server="${TEST_POSTGRES_URL:?run tools/postgres.sh first}"
  base="${server%%\?*}"; base="${base%/*}"
  url="$base/$name"
  psql -q "$server" -c "CREATE DATABASE $name" >/dev/null
fi
key="$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')"
[ -n "${BALANCED_ENV:-}" ] && printf 'DATABASE_URL=%s\n' "$url" > "$BALANCED_ENV"

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -z "$server" ] || psql -q "$server" -c "DROP DATABASE IF EXISTS $name WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 0' TERM INT

upstreams=""
for i in $(seq "${BALANCED_INSTANCES:-2}"); do
  p=$((port + 10 + i))
  mkdir -p "$work/data$i"
  # The tests sign every user up from one address.
  env DATABASE_URL="$url" SECRET_KEY="$key" DATA_DIR="$work/data$i" \
      SIGNUPS_PER_ADDRESS="${SIGNUPS_PER_ADDRESS:-1000}" HASH_WORKERS=2 HASH_QUEUE=16 \
      LEPTOS_SITE_ROOT="$ROOT/target/site" LISTEN_ADDR="127.0.0.1:$p" \
      PUBLIC_URL="http://127.0.0.1:$port" TRUSTED_PROXIES=127.0.0.1 RUST_LOG=warn \
      PLATFORM_CONFIG="${PLATFORM_CONFIG:-$ROOT/tests/balanced/platform.toml}" \
      "$BIN" serve &
  pids+=($!)
  upstreams+="    server 127.0.0.1:$p;"$'\n'
done

[ -n "${BALANCED_ENV:-}" ] && printf 'INSTANCE_PIDS=%s\n' "${pids[*]}" >> "$BALANCED_ENV"

user_line=""; [ "$(id -u)" -eq 0 ] && user_line="user root;"
cat > "$work/nginx.conf" <<EOF
$user_line
worker_processes 1;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path $work/body;
  proxy_temp_path $work/proxy;
  fastcgi_temp_path $work/fastcgi;
  uwsgi_temp_path $work/uwsgi;
  scgi_temp_path $work/scgi;
  upstream app {
$upstreams  }
  server {
    listen 127.0.0.1:$port;
    client_max_body_size 4m;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host:\$server_port;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
  # A service of the platform (port + 5) behind forward auth: nginx asks
  # /auth/verify about each request and passes who the token belongs to on
  # to the service (here: nginx itself on port + 6, which echoes them),
  # without the token itself. A 429 of the check stays a 429 (nginx makes
  # any answer but 2xx, 401 and 403 a 500) with its Retry-After.
  server {
    listen 127.0.0.1:$((port + 5));
    location / {
      auth_request /_verify;
      auth_request_set \$auth_user_id \$upstream_http_x_auth_user_id;
      auth_request_set \$auth_handle \$upstream_http_x_auth_handle;
      auth_request_set \$auth_scopes \$upstream_http_x_auth_scopes;
      auth_request_set \$auth_status \$upstream_status;
      auth_request_set \$auth_retry_after \$upstream_http_retry_after;
      proxy_set_header X-Auth-User-Id \$auth_user_id;
      proxy_set_header X-Auth-Handle \$auth_handle;
      proxy_set_header X-Auth-Scopes \$auth_scopes;
      proxy_set_header Authorization "";
      error_page 500 = @auth_failed;
      proxy_pass http://127.0.0.1:$((port + 6));
    }
    location @auth_failed {
      if (\$auth_status = 429) {
        add_header Retry-After \$auth_retry_after always;
        return 429;
      }
      return 500;
    }
    location = /_verify {
      internal;
      proxy_pass http://app/auth/verify;
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Original-Method \$request_method;
      proxy_set_header X-Original-URI \$request_uri;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
  server {
    listen 127.0.0.1:$((port + 6));
    location / {
      default_type text/plain;
      return 200 "user=\$http_x_auth_user_id handle=\$http_x_auth_handle scopes=\$http_x_auth_scopes auth=[\$http_authorization]\\n";
    }
  }
}
EOF
"$NGINX" -c "$work/nginx.conf" -p "$work" &
pids+=($!)
wait

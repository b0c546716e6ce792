#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers for the PostgreSQL test suite
# (sourced by tools/test.sh). When nothing answers at TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/postgres), it installs
# Debian's postgresql if missing and starts a throwaway cluster on port
# 54329 with trust authentication, then exports TEST_POSTGRES_URL for it.
# Never skips: if no server can be had, it fails.

export TEST_POSTGRES_URL="${TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

pg_answers() {
  local hostport="${1#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
  local host="${hostport%%:*}" port="5432"
  [ "$hostport" != "$host" ] && port="${hostport##*:}"
  if command -v pg_isready >/dev/null 2>&1; then
    pg_isready -q -h "$host" -p "$port" -t 3
  else
    (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null
  fi
}

if pg_answers "$TEST_POSTGRES_URL"; then
  printf '==> PostgreSQL answers at %s\n' "${TEST_POSTGRES_URL%%\?*}" | sed 's#://[^@]*:[^@]*@#://***@#'
  return 0 2>/dev/null || exit 0
fi

printf '\n==> no PostgreSQL at TEST_POSTGRES_URL: starting a throwaway cluster\n'
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q postgresql
fi
PGBIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)"
PGDIR="${TMPDIR:-/tmp}/account-settings-pg"
PGPORT=54329
# The cluster runs as the postgres user (initdb refuses root).
run_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$PGDIR/PG_VERSION" ]; then
  $SUDO mkdir -p "$PGDIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PGDIR"
  run_pg "$PGBIN/initdb" -D "$PGDIR" -U postgres --auth=trust -E UTF8 >/dev/null
  # TLS as a hosted PostgreSQL offers it (a test connects with sslmode=require).
  if ! command -v openssl >/dev/null 2>&1; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q openssl
  fi
  run_pg openssl req -new -x509 -days 3650 -nodes -subj /CN=localhost \
    -keyout "$PGDIR/server.key" -out "$PGDIR/server.crt" 2>/dev/null
  run_pg chmod 600 "$PGDIR/server.key"
fi
if ! pg_answers "postgres://postgres@127.0.0.1:$PGPORT/postgres"; then
  run_pg "$PGBIN/pg_ctl" -D "$PGDIR" -l "$PGDIR/server.log" -w \
    -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c ssl=on" start
fi
export TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"
pg_answers "$TEST_POSTGRES_URL" || { echo "PostgreSQL did not start (see $PGDIR/server.log)" >&2; exit 1; }
printf '==> PostgreSQL answers at %s\n' "$TEST_POSTGRES_URL"

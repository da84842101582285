#!/usr/bin/env bash
# Starts a local PostgreSQL server for the fleet tests (tests/fleet.rs) and
# prints the URL they take from V2X_HIL_TEST_POSTGRES_URL:
#
#   export V2X_HIL_TEST_POSTGRES_URL="$(bash scripts/postgres-test-server.sh)"
#
# Debian's `postgresql` package (installed with apt-get when missing), its
# default cluster started with pg_ctlcluster, and a role and database
# `v2x_hil` (password `v2x_hil`, on 127.0.0.1 only: a test server, never a
# program's). Idempotent: run it again and it only prints the URL. Needs
# root, or sudo. Everything but the URL goes to stderr.
#
#   bash scripts/postgres-test-server.sh stop
#
# stops the cluster again if (and only if) this script started it.
#
# The server outlives this script, so whatever may start it (the package's
# postinst, pg_ctlcluster) runs with none of our descriptors: a daemon that
# inherited the pipe of `$(...)` would keep it open and the caller would
# wait for it forever (it did: CI timed out there).
set -euo pipefail
exec 3>&1 1>&2

started_mark="${TMPDIR:-/tmp}/v2x-hil-postgres-started-by-test-script"
log="${TMPDIR:-/tmp}/v2x-hil-postgres-test-server.log"
# Runs "$@" detached from our stdin, stdout, stderr and fd 3; shows its
# output only when it fails.
detached() {
  if ! "$@" </dev/null >"$log" 2>&1 3>&-; then
    cat "$log" >&2
    echo "error: $* failed" >&2
    return 1
  fi
}

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi
as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else $SUDO runuser -u postgres -- "$@"; fi
}

if [ "${1:-}" = stop ]; then
  if [ -e "$started_mark" ]; then
    version=$(cat "$started_mark")
    detached $SUDO pg_ctlcluster "$version" main stop
    rm -f "$started_mark"
    echo "PostgreSQL $version stopped (this script had started it)"
  fi
  exit 0
fi

if ! command -v pg_ctlcluster >/dev/null || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  echo "installing postgresql (Debian)"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  detached $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql
fi

version=$(ls /usr/lib/postgresql | sort -n | tail -1)
port=${V2X_HIL_TEST_POSTGRES_PORT:-5432}
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
  detached $SUDO pg_createcluster "$version" main --port "$port"
fi
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $3 }')
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { print $4 }' | grep -q online; then
  detached $SUDO pg_ctlcluster "$version" main start
  echo "$version" >"$started_mark"
fi
for _ in $(seq 1 30); do
  as_postgres psql -p "$port" -qAtc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 1
done

as_postgres psql -p "$port" -v ON_ERROR_STOP=1 -qAt <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'v2x_hil') THEN
    CREATE ROLE v2x_hil LOGIN PASSWORD 'v2x_hil' CREATEDB;
  END IF;
END $$;
SQL
if ! as_postgres psql -p "$port" -qAtc "SELECT 1 FROM pg_database WHERE datname = 'v2x_hil'" | grep -q 1; then
  as_postgres createdb -p "$port" -O v2x_hil v2x_hil
fi
echo "PostgreSQL $version on 127.0.0.1:$port, database v2x_hil"
echo "postgres://v2x_hil:v2x_hil@127.0.0.1:$port/v2x_hil" >&3

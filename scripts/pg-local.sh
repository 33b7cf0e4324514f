#!/usr/bin/env bash
# A throwaway local PostgreSQL + PostGIS cluster for `npm run test:pg` and CI.
#
#   scripts/pg-local.sh start [DIR] [PORT]   create (once) and start a cluster in DIR; prints the DATABASE_URL
#   scripts/pg-local.sh stop  [DIR]          stop it (the files stay; `rm -rf DIR` to forget it)
#   scripts/pg-local.sh url   [DIR]          print the DATABASE_URL of a running cluster
#
# DIR defaults to $PG_LOCAL_DIR or /tmp/gongzhi-pg; PORT to $PG_LOCAL_PORT or 55432 (the next free port
# is taken when it is busy). Only the URL goes to stdout, so `export DATABASE_URL=$(… start DIR)`.
# Running `start` again on a running cluster just prints its URL.
#
# The cluster listens on 127.0.0.1 only. PostgreSQL refuses to run as root: when we are root the
# server runs as the `postgres` OS user (created by Debian's postgresql package), and DIR is handed
# to that user.
#
# Privileges, on purpose like a city's production database: the application role `gongzhi`
# (password `gongzhi`) may log in and create databases but is NOT a superuser. PostGIS is not a
# trusted extension, so, as a DBA would, this script creates the extensions that migration 0001
# names (postgis, pg_trgm) in template1 and in the `gongzhi` database beforehand; every database
# created later (test databases are copies of a migrated template) has them, and the migration's
# `CREATE EXTENSION IF NOT EXISTS` finds them present. A test that needs superuser powers would
# also fail in production, and this makes it fail here first. PG_LOCAL_SUPERUSER=1 makes `gongzhi` a
# superuser instead, for experiments.
set -euo pipefail

cmd="${1:-start}"
dir="${2:-${PG_LOCAL_DIR:-${TMPDIR:-/tmp}/gongzhi-pg}}"
port="${3:-${PG_LOCAL_PORT:-55432}}"
role=gongzhi
password=gongzhi
dbname=gongzhi

log() { printf 'pg-local: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

case "$cmd" in start | stop | url) ;; *) die "usage: $0 start|stop|url [DIR] [PORT]" ;; esac

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
data="$dir/data"

# The newest installed server (Debian keeps each major version under /usr/lib/postgresql/N/bin).
bindir="${PG_BIN:-}"
if [[ -z "$bindir" ]]; then
  for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
    if [[ -x "$candidate/postgres" && -x "$candidate/initdb" ]]; then bindir="$candidate"; break; fi
  done
fi
if [[ -z "$bindir" ]] && command -v pg_ctl >/dev/null && command -v initdb >/dev/null; then
  bindir="$(dirname "$(command -v pg_ctl)")"
fi
[[ -n "$bindir" && -x "$bindir/pg_ctl" ]] || die "no PostgreSQL server found: apt-get install -y postgresql postgresql-15-postgis-3 (or set PG_BIN)"

# Run a server-side command as the cluster's owner.
if [[ "$(id -u)" == 0 ]]; then
  id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' OS user to run the server as (install Debian's postgresql package)"
  as_owner() { runuser -u postgres -- "$@"; }
else
  as_owner() { "$@"; }
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
running() { [[ -f "$data/postmaster.pid" ]] && as_owner "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; }
url_of() { printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "$role" "$password" "$(cat "$dir/port")" "$dbname"; }

if [[ "$cmd" == stop ]]; then
  if running; then
    as_owner "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    log "stopped the cluster in $dir"
  else
    log "no cluster running in $dir"
  fi
  exit 0
fi

if [[ "$cmd" == url ]]; then
  running || die "no cluster running in $dir (run: $0 start $dir)"
  url_of
  exit 0
fi

if running; then
  log "already running in $dir"
  url_of
  exit 0
fi

if [[ "$(id -u)" == 0 ]]; then
  chown -R postgres: "$dir"
  runuser -u postgres -- test -w "$dir" || die "the postgres OS user cannot reach $dir (a parent folder is private?): choose a folder under /tmp"
fi

fresh=0
if [[ ! -f "$data/PG_VERSION" ]]; then
  log "creating a cluster in $data ($("$bindir/postgres" --version))"
  as_owner "$bindir/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
    --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  cat >>"$data/postgresql.conf" <<EOF

# pg-local.sh: a throwaway cluster for tests. Durability is not wanted here; speed is.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 128MB
EOF
  fresh=1
fi

# A free port: the requested one unless something else listens there.
for _ in $(seq 1 50); do
  port_in_use "$port" || break
  log "port $port is in use, trying $((port + 1))"
  port=$((port + 1))
done
port_in_use "$port" && die "no free port found"
echo "$port" >"$dir/port"
chown --reference="$data" "$dir/port" 2>/dev/null || true

as_owner "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -o "-p $port" -w -t 60 start >/dev/null ||
  { tail -n 30 "$dir/server.log" >&2; die "the server did not start (log: $dir/server.log)"; }
log "running on 127.0.0.1:$port (log: $dir/server.log)"

psql_admin() { as_owner "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres "$@"; }

if [[ "$fresh" == 1 ]]; then
  superuser=NOSUPERUSER
  [[ "${PG_LOCAL_SUPERUSER:-0}" == 1 ]] && superuser=SUPERUSER
  psql_admin -d postgres -c "CREATE ROLE $role LOGIN CREATEDB $superuser PASSWORD '$password'"
  psql_admin -d template1 -c 'CREATE EXTENSION IF NOT EXISTS postgis; CREATE EXTENSION IF NOT EXISTS pg_trgm;' ||
    die "could not create the PostGIS extension: apt-get install -y postgresql-$(basename "$(dirname "$bindir")")-postgis-3"
  psql_admin -d postgres -c "CREATE DATABASE $dbname OWNER $role"
fi

url_of

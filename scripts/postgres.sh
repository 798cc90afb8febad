#!/usr/bin/env bash
# A throwaway PostgreSQL 16 with pgvector on loopback, from the binaries in the PyPI wheel `pgserver`
# (Debian 12 has no pgvector). For the tests and for trying the postgres backend.
#
#   scripts/postgres.sh start DIR [PORT]   initialises DIR (if new), starts the server, prints its URL
#   scripts/postgres.sh stop DIR           stops it (DIR can then be removed)
#   scripts/postgres.sh url DIR            prints the URL of a running server
#
# PostgreSQL refuses to run as root: as root the server runs as the system user crossmodal-pg.
set -euo pipefail
# Close descriptors inherited above stderr: the server outlives this script and must not hold a
# caller's pipe open (a caller reading our output to its end would wait forever).
for fd in /proc/$$/fd/*; do
  fd=${fd##*/}
  if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
done
cd "$(dirname "$0")/.."
ROOT=$(pwd)
action=${1:?usage: scripts/postgres.sh start|stop|url DIR [PORT]}
dir=${2:?usage: scripts/postgres.sh start|stop|url DIR [PORT]}
port=${3:-55432}
PGSERVER_VERSION=0.1.4
install="$ROOT/.cache/pgserver"
bin="$install/pgserver/pginstall/bin"
user=crossmodal-pg

say() { printf 'postgres: %s\n' "$*" >&2; }

# Several tests may start servers at once: one of them installs, the others wait (and the lock is let go
# before any server starts, so no server holds it).
mkdir -p "$ROOT/.cache"
exec 9>"$ROOT/.cache/pgserver.lock"
flock 9
if [ ! -x "$bin/postgres" ]; then
  say "downloading pgserver $PGSERVER_VERSION (PostgreSQL 16 + pgvector) from PyPI"
  mkdir -p "$ROOT/.cache/wheels"
  python3 -m pip download -q --no-deps --only-binary=:all: -d "$ROOT/.cache/wheels" "pgserver==$PGSERVER_VERSION"
  rm -rf "$install" && mkdir -p "$install"
  python3 -m zipfile -e "$(ls "$ROOT"/.cache/wheels/pgserver-"$PGSERVER_VERSION"-*.whl | head -n 1)" "$install"
  chmod +x "$bin"/*  # zip archives do not keep the executable bits
  chmod -R a+rX "$install"
fi

if [ "$(id -u)" -eq 0 ]; then
  id "$user" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$user"
  as_server() { runuser -u "$user" -- "$@"; }
  owner=$user
else
  as_server() { "$@"; }
  owner=$(id -un)
fi
flock -u 9
exec 9>&-
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
url_of() { echo "postgres://crossmodal@127.0.0.1:$(cat "$dir/port")/crossmodal"; }

case "$action" in
  start)
    chown "$owner" "$dir"
    # The server user must reach the binaries and DIR through every parent folder.
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      as_server "$bin/initdb" -D "$dir/data" -U crossmodal --auth=trust -E UTF8 --no-locale >"$dir/initdb.log"
    fi
    echo "$port" >"$dir/port"
    as_server "$bin/pg_ctl" -D "$dir/data" -l "$dir/data/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir/data -c max_connections=200 -c shared_buffers=128MB" start >/dev/null
    if ! "$bin/psql" -qAt -h 127.0.0.1 -p "$port" -U crossmodal -d postgres -c "SELECT 1 FROM pg_database WHERE datname = 'crossmodal'" | grep -q 1; then
      "$bin/psql" -q -h 127.0.0.1 -p "$port" -U crossmodal -d postgres -c "CREATE DATABASE crossmodal"
    fi
    "$bin/psql" -q -h 127.0.0.1 -p "$port" -U crossmodal -d crossmodal -c "CREATE EXTENSION IF NOT EXISTS vector"
    url_of
    ;;
  stop)
    [ -f "$dir/data/PG_VERSION" ] && as_server "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
  url)
    url_of
    ;;
  *) echo "usage: scripts/postgres.sh start|stop|url DIR [PORT]" >&2; exit 2 ;;
esac

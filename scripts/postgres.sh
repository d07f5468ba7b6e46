#!/usr/bin/env bash
# Provision a private, local PostgreSQL for development, tests and CI — idempotently.
#
#   scripts/postgres.sh start    install the server if absent, initdb once, start it, create database
#                                `platform`; prints `export PLATFORM_DB=...` / `export PLATFORM_TEST_DB=...`
#                                on stdout (so `eval "$(scripts/postgres.sh start)"` works) and writes the
#                                connection string to $PLATFORM_PG_DIR/connection.
#   scripts/postgres.sh stop     stop it (the data is kept).
#   scripts/postgres.sh status   exit 0 if running.
#   scripts/postgres.sh connection   print the connection string of a running server.
#
# Environment: PLATFORM_PG_DIR (default <repo>/.local/pg), PGPORT (default: the port used last time, else a
# free one). Works as root (the server runs as the `postgres` user: initdb and postgres refuse root) and as a
# normal user (the server runs as that user). Progress goes to stderr; only the exports go to stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${PLATFORM_PG_DIR:-$ROOT/.local/pg}"
log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

find_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
  d="$(dirname "$(command -v initdb 2>/dev/null || true)")"
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; fi
}

install_server() {
  log "PostgreSQL server not found; installing it with apt-get"
  local sudo=()
  if [[ $EUID -ne 0 ]]; then
    command -v sudo >/dev/null || die "not root and no sudo: install the 'postgresql' package first"
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  # The package lists may be absent on a fresh machine: update once, then install.
  "${sudo[@]}" apt-get install -y -q postgresql >&2 ||
    { "${sudo[@]}" apt-get update -q >&2 && "${sudo[@]}" apt-get install -y -q postgresql >&2; }
}

BIN="$(find_bin)"
if [[ -z "$BIN" && "${1:-start}" == start ]]; then install_server; BIN="$(find_bin)"; fi
[[ -n "$BIN" || "${1:-}" == stop ]] || die "no PostgreSQL server binaries found"

# As root the cluster belongs to `postgres`; it must be able to reach the data directory. A repository
# under a private home (e.g. /root) is not reachable, so the cluster then lives under /var/tmp instead.
if [[ $EUID -eq 0 ]]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
  as_pg() { runuser -u postgres -- "$@"; }
  mkdir -p "$STATE"
  if as_pg test -x "$STATE"; then
    DATA="$STATE/data"
  else
    DATA="/var/tmp/platform-pg-$(echo -n "$STATE" | cksum | cut -d' ' -f1)"
  fi
else
  as_pg() { "$@"; }
  mkdir -p "$STATE"
  DATA="$STATE/data"
fi

# Unix sockets have a ~107-byte path limit; fall back to /tmp for a deep data directory.
SOCK="$DATA"
(( ${#DATA} < 90 )) || SOCK=/tmp

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
conn_string() { echo "Host=127.0.0.1;Port=$1;Username=platform;Database=platform"; }
running() { [[ -n "$BIN" && -f "$DATA/PG_VERSION" ]] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }
current_port() { sed -n 4p "$DATA/postmaster.pid" 2>/dev/null; }

start() {
  if running; then
    PORT="$(current_port)"
    log "already running on port $PORT ($DATA)"
  else
    if [[ ! -f "$DATA/PG_VERSION" ]]; then
      mkdir -p "$DATA"
      [[ $EUID -ne 0 ]] || chown postgres: "$DATA"
      chmod 700 "$DATA"
      log "initdb $DATA"
      as_pg "$BIN/initdb" -D "$DATA" -A trust -U platform -E UTF8 --locale=C.UTF-8 >&2 ||
        as_pg "$BIN/initdb" -D "$DATA" -A trust -U platform -E UTF8 --locale=C >&2
    fi
    PORT="${PGPORT:-$(cat "$STATE/port" 2>/dev/null || true)}"
    if [[ -z "$PORT" ]] || { [[ -z "${PGPORT:-}" ]] && ! port_free "$PORT"; }; then
      PORT=""
      for _ in $(seq 1 50); do
        local p=$((20000 + RANDOM % 20000))
        if port_free "$p"; then PORT=$p; break; fi
      done
      [[ -n "$PORT" ]] || die "no free port found"
    fi
    log "starting on 127.0.0.1:$PORT"
    # Durable by default (the platform scripts/run.sh starts keeps real runs here). Only the test suite's throw-away
    # cluster may trade durability for speed: scripts/test.sh sets PLATFORM_PG_FAST=1.
    local durability="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
    [[ "${PLATFORM_PG_FAST:-0}" == 1 ]] && durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    log "durability: ${durability}"
    as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w -t 60 \
      -o "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 $durability -c max_connections=200" \
      start >&2 || { tail -n 30 "$DATA/server.log" >&2 || true; die "server did not start"; }
  fi
  echo "$PORT" > "$STATE/port"
  if ! "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U platform -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = 'platform'" | grep -q 1; then
    "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U platform -d postgres -qc "CREATE DATABASE platform" >&2
  fi
  local cs
  cs="$(conn_string "$PORT")"
  echo "$cs" > "$STATE/connection"
  echo "export PLATFORM_DB='$cs'"
  echo "export PLATFORM_TEST_DB='$cs'"
}

stop() {
  if running; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >&2
  else
    log "not running"
  fi
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) running ;;
  connection) running || die "not running"; conn_string "$(current_port)" ;;
  *) die "usage: $0 start|stop|status|connection" ;;
esac

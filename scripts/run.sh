#!/usr/bin/env bash
# Starts the whole platform on this machine:
#   scripts/run.sh              private PostgreSQL (installed if absent, own data dir, free port), migrations,
#                               Release build, API + one worker (queues gpu,cpu) + web; prints the URLs and the
#                               initial API key; Ctrl+C stops everything (the database keeps running: scripts/postgres.sh stop).
#   scripts/run.sh cli VERB ... runs a worker CLI verb (torch-info, train, evaluate, envs, ...).
# Environment: API_PORT / WEB_PORT (default: free ports), PLATFORM_PG_DIR, PLATFORM_STORAGE_ROOT (default .local/storage: runs, checkpoints, meta-networks, replays).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
BIN=bin/Release/net10.0

if [[ "${1:-}" == cli ]]; then
  shift
  dotnet build Platform.Workers -c Release -v quiet -nologo >/dev/null
  exec dotnet "Platform.Workers/$BIN/Platform.Workers.dll" "$@"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

eval "$(scripts/postgres.sh start)"
export ConnectionStrings__Platform="$PLATFORM_DB"
echo "Building (Release)..." >&2
dotnet build Platform.sln -c Release -v quiet -nologo >/dev/null

mkdir -p .local/logs
KEY_FILE=.local/admin-api-key
# The initial key is fixed on first start and kept, so it can be printed on every start.
if [[ ! -s "$KEY_FILE" ]]; then
  python3 -c 'import secrets; print("dp_" + secrets.token_urlsafe(32))' > "$KEY_FILE"
  chmod 600 "$KEY_FILE"
fi
export Platform__AdminApiKey="$(cat "$KEY_FILE")"
export Platform__StorageRoot="${PLATFORM_STORAGE_ROOT:-$ROOT/.local/storage}"  # the same store for the API and the worker

dotnet "Platform.Api/$BIN/Platform.Api.dll" migrate >/dev/null
API_PORT="${API_PORT:-$(free_port)}"
WEB_PORT="${WEB_PORT:-$(free_port)}"

pids=()
cleanup() { trap - INT TERM EXIT; for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup INT TERM EXIT

# supervise NAME LOG CMD...: runs CMD in the background and restarts it whenever it exits (a crashed or killed worker,
# API or web app), after 1, 2, 4 ... 30 s (back to 1 s once it has run a minute), logging each restart to LOG and to
# .local/logs/supervisor.log. SIGTERM to the supervisor stops CMD and the supervisor.
supervise() {
  local name="$1" log="$2"; shift 2
  (
    child=0
    trap 'kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
    delay=1
    while true; do
      started=$SECONDS
      "$@" >> "$log" 2>&1 &
      child=$!
      wait "$child" && code=0 || code=$?
      (( SECONDS - started > 60 )) && delay=1
      echo "$(date -Is) $name exited with code $code; restarting in ${delay}s" | tee -a .local/logs/supervisor.log "$log" >&2
      sleep "$delay" & wait $!
      delay=$(( delay * 2 > 30 ? 30 : delay * 2 ))
    done
  ) &
  pids+=($!)
}

: > .local/logs/api.log; : > .local/logs/worker.log; : > .local/logs/web.log
supervise api .local/logs/api.log \
  bash -c "cd Platform.Api && exec dotnet '$BIN/Platform.Api.dll' --urls 'http://127.0.0.1:$API_PORT'"
supervise worker .local/logs/worker.log \
  dotnet "Platform.Workers/$BIN/Platform.Workers.dll" worker --queues gpu,cpu --name "$(hostname)-worker-1"
supervise web .local/logs/web.log \
  bash -c "cd Platform.Web && PlatformApi__BaseUrl='http://127.0.0.1:$API_PORT' exec dotnet '$BIN/Platform.Web.dll' --urls 'http://127.0.0.1:$WEB_PORT'"

for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$API_PORT/health" >/dev/null 2>&1 && break
  sleep 1
done
grep -A3 "Platform bootstrap" .local/logs/api.log >&2 || true
cat <<MSG
Disco Platform is running (logs in .local/logs/):
  API:      http://127.0.0.1:$API_PORT   (reference: http://127.0.0.1:$API_PORT/docs)
  Web:      http://127.0.0.1:$WEB_PORT
  API key:  $(cat "$KEY_FILE")   (Authorization: Bearer <key>; also in $KEY_FILE)
  Database: $PLATFORM_DB
Press Ctrl+C to stop.
MSG
# Runs until Ctrl+C; a process that exits is restarted by its supervisor (see .local/logs/supervisor.log).
wait

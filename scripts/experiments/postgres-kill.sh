#!/usr/bin/env bash
# Experiment: "a kill -9 of PostgreSQL while a run streams metrics loses no committed metric point".
#
#   scripts/experiments/postgres-kill.sh [OUT_DIR]
#
# 1. Starts a private, durable PostgreSQL (scripts/postgres.sh; fsync on — PLATFORM_PG_FAST must not be set) in a
#    fresh data directory OUT_DIR/pg on a free port, the API (migrations on startup) and one worker (queue cpu), all
#    from the Release outputs (build first: dotnet build Platform.sln -c Release).
# 2. Signs in with the admin API key it configured (Platform__AdminApiKey) and submits a train run.
# 3. Once KILL_AFTER_POINTS metric points are committed: snapshots the run's (name, step) set with psql, kill -9s the
#    postmaster at once (its children too, if still alive after OUTAGE_S seconds), restarts the cluster with
#    scripts/postgres.sh and checks that every point of the snapshot is still there.
# 4. Lets the run go on and reports how it ended (status, error, Hangfire job states), duplicates, gaps in the step
#    sequence and points the trainer wrote (metrics.jsonl) that never reached the database.
# 5. Stops everything it started and prints a summary (also OUT_DIR/summary.txt; logs and snapshots in OUT_DIR).
#
# Environment: ENV_ID (catch/8x8), RULE (ppo), STEPS (300000), SEED (1), LOG_EVERY (1), KILL_AFTER_POINTS (400),
# OUTAGE_S (5), RUN_TIMEOUT_S (900: how long to wait for the run to end after the restart), DISCO_SHARED_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
BIN=bin/Release/net10.0
OUT="${1:-/tmp/pgkill-exp/$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT" && OUT="$(cd "$OUT" && pwd)"
ENV_ID="${ENV_ID:-catch/8x8}" RULE="${RULE:-ppo}" STEPS="${STEPS:-300000}" SEED="${SEED:-1}" LOG_EVERY="${LOG_EVERY:-1}"
KILL_AFTER_POINTS="${KILL_AFTER_POINTS:-400}" OUTAGE_S="${OUTAGE_S:-5}" RUN_TIMEOUT_S="${RUN_TIMEOUT_S:-900}"
# The trainer finds ../shared on its own; DISCO_SHARED_DIR, when set, is passed on.

log() { echo "[$(date +%T)] $*" | tee -a "$OUT/experiment.log" >&2; }
die() { log "ERROR: $*"; exit 1; }
now() { date +%s.%N; }
secs() { python3 -c "print(f'{$2 - $1:.1f}')"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

[[ "${PLATFORM_PG_FAST:-0}" != 1 ]] || die "PLATFORM_PG_FAST=1 turns fsync off; this experiment needs the durable cluster"
for f in "Platform.Api/$BIN/Platform.Api.dll" "Platform.Workers/$BIN/Platform.Workers.dll"; do
  [[ -f "$f" ]] || die "$f missing: dotnet build Platform.sln -c Release"
done

# ---- PostgreSQL: own data directory and port --------------------------------------------------------------------
export PLATFORM_PG_DIR="$OUT/pg"
PGPORT="$(free_port)"; export PGPORT
eval "$(scripts/postgres.sh start 2>>"$OUT/postgres.sh.log")"
PGBIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
q() { "$PGBIN/psql" -h 127.0.0.1 -p "$PGPORT" -U platform -d platform -XtAq -v ON_ERROR_STOP=1 -c "$1"; }
PGDATA_DIR="$(q 'SHOW data_directory')"
log "PostgreSQL on port $PGPORT, data $PGDATA_DIR; $(q "SELECT 'fsync=' || current_setting('fsync') || ' synchronous_commit=' || current_setting('synchronous_commit') || ' full_page_writes=' || current_setting('full_page_writes')")"

# ---- API and worker -----------------------------------------------------------------------------------------------
API_KEY="dp_$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"
export ConnectionStrings__Platform="$PLATFORM_DB" Platform__AdminApiKey="$API_KEY" Platform__StorageRoot="$OUT/storage"
API_PORT="$(free_port)"; API="http://127.0.0.1:$API_PORT"
API_PID="" WORKER_PID=""
cleanup() {
  trap - EXIT INT TERM
  for p in $WORKER_PID $API_PID; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 1 40); do
    alive=0; for p in $WORKER_PID $API_PID; do kill -0 "$p" 2>/dev/null && alive=1; done
    (( alive )) || break; sleep 1
  done
  for p in $WORKER_PID $API_PID; do kill -0 "$p" 2>/dev/null && { log "pid $p ignored SIGTERM; SIGKILL"; kill -9 "$p" 2>/dev/null || true; }; done
  wait 2>/dev/null || true
  scripts/postgres.sh stop 2>>"$OUT/postgres.sh.log" || true
}
trap cleanup EXIT INT TERM

(cd Platform.Api && exec dotnet "$BIN/Platform.Api.dll" --urls "$API") > "$OUT/api.log" 2>&1 &
API_PID=$!
for _ in $(seq 1 120); do curl -fs "$API/health" >/dev/null 2>&1 && break; sleep 1; done
curl -fs "$API/health" >/dev/null || die "API did not come up (see $OUT/api.log)"
dotnet "Platform.Workers/$BIN/Platform.Workers.dll" worker --queues cpu --name pgkill-worker-1 > "$OUT/worker.log" 2>&1 &
WORKER_PID=$!
log "API pid $API_PID on $API, worker pid $WORKER_PID; storage $Platform__StorageRoot"

auth=(-H "Authorization: Bearer $API_KEY")
me="$(curl -fsS "${auth[@]}" "$API/api/auth/me")" || die "sign-in with the admin API key failed"
log "signed in as $(jq -r .email <<<"$me")"
body="$(jq -nc --arg env "$ENV_ID" --arg rule "$RULE" --argjson steps "$STEPS" --argjson seed "$SEED" --argjson le "$LOG_EVERY" \
  '{kind:"train", env:$env, rule:$rule, steps:$steps, seed:$seed, queue:"cpu", hyperparameters:{"log-every":$le}, tags:["postgres-kill"]}')"
resp="$(curl -sS "${auth[@]}" -H 'Content-Type: application/json' -d "$body" -w '\n%{http_code}' "$API/api/runs")"
[[ "$(tail -n1 <<<"$resp")" == 201 ]] || die "submit failed: $resp"
RUN="$(head -n -1 <<<"$resp" | jq -r .id)"
log "submitted run $RUN: $body"
RUN_DIR="$OUT/storage/runs/$RUN"

points() { q "SELECT count(*) FROM metric_points WHERE run_id = '$RUN'"; }
file_lines() { cat "$RUN_DIR/metrics.jsonl" 2>/dev/null | grep -c . || true; }
# (name, step) keys, byte-sorted for comm (psql's ORDER BY and comm's locale need not agree).
snapshot() { q "COPY (SELECT name, step FROM metric_points WHERE run_id = '$RUN') TO STDOUT" | LC_ALL=C sort > "$1"; }
missing() { LC_ALL=C comm -23 "$1" "$2"; }

# ---- wait for streaming, snapshot, kill -9 ------------------------------------------------------------------------
t_submit="$(now)"
while :; do
  n="$(points)"
  (( n >= KILL_AFTER_POINTS )) && break
  st="$(q "SELECT status FROM runs WHERE id = '$RUN'")"
  [[ "$st" == queued || "$st" == running ]] || die "run ended ($st) before the kill"
  (( $(printf '%.0f' "$(secs "$t_submit" "$(now)")") < 600 )) || die "fewer than $KILL_AFTER_POINTS points after 600 s"
  sleep 0.5
done
snapshot "$OUT/before.tsv"
PM="$(head -n1 "$PGDATA_DIR/postmaster.pid")"
CHILDREN="$(pgrep -P "$PM" | tr '\n' ' ' || true)"
kill -9 "$PM"
t_kill="$(now)"
before_n="$(wc -l < "$OUT/before.tsv")"
before_step="$(cut -f2 "$OUT/before.tsv" | sort -n | tail -n1)"
log "KILL -9 postmaster $PM (children: $CHILDREN) with $before_n points committed (newest step $before_step); $(file_lines) lines in metrics.jsonl"
sleep "$OUTAGE_S"
leftover=0
for c in $CHILDREN; do
  if kill -0 "$c" 2>/dev/null && [[ "$(cat "/proc/$c/comm" 2>/dev/null)" == postgres ]]; then leftover=$((leftover + 1)); kill -9 "$c" 2>/dev/null || true; fi
done
log "$leftover of the postmaster's children were still alive after ${OUTAGE_S}s (SIGKILLed)"
lines_at_restart="$(file_lines)"
trainer_alive_at_restart="$(pgrep -f -- "--out $RUN_DIR" >/dev/null && echo yes || echo no)"
scripts/postgres.sh start >/dev/null 2>>"$OUT/postgres.sh.log" || die "restart failed"
t_up="$(now)"
outage="$(secs "$t_kill" "$t_up")"
log "PostgreSQL back after ${outage}s (trainer alive just before restart: $trainer_alive_at_restart; metrics.jsonl lines: $lines_at_restart)"
grep -E "database system was interrupted|was not properly shut down|redo (starts|done)|automatic recovery|ready to accept" "$PGDATA_DIR/server.log" | tail -n 6 >> "$OUT/experiment.log" || true

snapshot "$OUT/after-restart.tsv"
after_n="$(wc -l < "$OUT/after-restart.tsv")"
missing "$OUT/before.tsv" "$OUT/after-restart.tsv" > "$OUT/lost.tsv"
lost="$(wc -l < "$OUT/lost.tsv")"
log "after restart: $after_n points; lost from the snapshot: $lost; committed after the snapshot, before the kill: $((after_n - before_n + lost))"

# ---- let the run go on ----------------------------------------------------------------------------------------------
t_resume=""
api_alive=yes worker_alive=yes
deadline=$(( $(date +%s) + RUN_TIMEOUT_S ))
status=""
while (( $(date +%s) < deadline )); do
  status="$(q "SELECT status FROM runs WHERE id = '$RUN'" 2>/dev/null || echo '?')"
  if [[ -z "$t_resume" ]] && (( $(points) > after_n )); then
    t_resume="$(now)"; log "first new point stored $(secs "$t_up" "$t_resume")s after the restart (status $status)"
  fi
  kill -0 "$WORKER_PID" 2>/dev/null || worker_alive=no
  kill -0 "$API_PID" 2>/dev/null || api_alive=no
  [[ "$status" == succeeded || "$status" == failed || "$status" == cancelled ]] && break
  sleep 2
done
t_end="$(now)"
[[ -n "$t_resume" ]] || log "no new point was stored after the restart"
api_health="$(curl -s -o /dev/null -w '%{http_code}' "$API/health" || true)"
api_run="$(curl -s "${auth[@]}" "$API/api/runs/$RUN" | jq -c '{status, currentStep, totalSteps, finalScore, error}' 2>/dev/null || echo 'unreadable')"
log "run: status $status after $(secs "$t_up" "$t_end")s; API /health $api_health; API says $api_run; worker alive $worker_alive, API alive $api_alive"

# ---- analysis ---------------------------------------------------------------------------------------------------------
q "SELECT status, coalesce(error, ''), current_step, total_steps, coalesce(final_score::text, ''), coalesce(hangfire_job_id, '') FROM runs WHERE id = '$RUN'" > "$OUT/run.txt"
JOB="$(cut -d'|' -f6 "$OUT/run.txt")"
[[ -z "$JOB" ]] || q "SELECT s.id, s.name, coalesce(s.reason, ''), s.createdat FROM hangfire.state s WHERE s.jobid = $JOB ORDER BY s.id" > "$OUT/hangfire-states.txt" || true
q "COPY (SELECT name, step, value FROM metric_points WHERE run_id = '$RUN' ORDER BY name, step) TO STDOUT" > "$OUT/final.tsv"
dups="$(q "SELECT count(*) FROM (SELECT 1 FROM metric_points WHERE run_id = '$RUN' GROUP BY name, step HAVING count(*) > 1) d")"
cut -f1,2 "$OUT/final.tsv" | LC_ALL=C sort > "$OUT/final-keys.tsv"
lost_final="$(missing "$OUT/before.tsv" "$OUT/final-keys.tsv" | wc -l)"
grep -nE "fail|Fail|exception|Exception|retr|Retr|resum|Resum|stopped|SIGTERM|orphan|Orphan|succeeded|gave up" "$OUT/worker.log" | cut -c1-400 > "$OUT/worker-excerpts.txt" || true
python3 - "$OUT" "$RUN_DIR/metrics.jsonl" "$before_step" > "$OUT/analysis.txt" <<'PY'
import json, sys, collections
out, metrics, before_step = sys.argv[1], sys.argv[2], int(sys.argv[3] or 0)
db = {}
for line in open(f"{out}/final.tsv"):
    name, step, value = line.rstrip("\n").split("\t"); db[(name, int(step))] = float(value)
file_pts, file_lines, rewritten, differing = {}, 0, 0, 0
try:
    for line in open(metrics):
        if not line.strip(): continue
        o = json.loads(line); file_lines += 1
        for k, v in o.get("values", {}).items():
            key = (k, int(o["step"]))
            if key in file_pts:
                rewritten += 1
                if file_pts[key] != v: differing += 1
            else: file_pts[key] = v
except FileNotFoundError: pass
steps = sorted({s for _, s in db})
diffs = collections.Counter(b - a for a, b in zip(steps, steps[1:]))
stride = diffs.most_common(1)[0][0] if diffs else 0
gaps = [(a, b) for a, b in zip(steps, steps[1:]) if b - a != stride]
missing_from_db = sorted(set(file_pts) - set(db), key=lambda k: (k[1], k[0]))
value_mismatch = sum(1 for k, v in file_pts.items() if k in db and abs(db[k] - v) > 1e-9 * max(1, abs(v)))
per_step = collections.Counter(s for _, s in db)
print(f"db_points={len(db)} db_steps={len(steps)} first_step={steps[0] if steps else None} last_step={steps[-1] if steps else None} stride={stride}")
print(f"step_gaps={len(gaps)} {gaps[:10]}")
print(f"steps_with_fewer_names={sum(1 for s in steps if per_step[s] < max(per_step.values()))}")
print(f"file_lines={file_lines} file_points={len(file_pts)} file_points_rewritten_after_resume={rewritten} rewritten_with_other_value={differing}")
print(f"file_points_missing_from_db={len(missing_from_db)} steps={sorted({s for _, s in missing_from_db})[:20]}")
print(f"db_value_differs_from_first_file_value={value_mismatch}")
print(f"steps_around_kill={[s for s in steps if before_step - 3 * stride <= s <= before_step + 4 * stride]}")
PY

{
  echo "run=$RUN rule=$RULE env=$ENV_ID steps=$STEPS log_every=$LOG_EVERY out=$OUT"
  echo "points_before_kill=$before_n newest_step_before_kill=$before_step"
  echo "points_after_restart=$after_n lost_after_restart=$lost lost_at_end=$lost_final"
  echo "outage_s=$outage (kill -9 -> postgres.sh start returned; forced sleep ${OUTAGE_S}s) leftover_children=$leftover"
  echo "first_new_point_after_restart_s=$([[ -n "$t_resume" ]] && secs "$t_up" "$t_resume" || echo never)"
  echo "duplicates_name_step=$dups"
  echo "run_final=$(tr '\n' ' ' < "$OUT/run.txt" | cut -c1-600)"
  echo "api_health_after=$api_health worker_alive=$worker_alive api_alive=$api_alive"
  cat "$OUT/analysis.txt"
  echo "hangfire_job_states:"; sed 's/^/  /' "$OUT/hangfire-states.txt" 2>/dev/null | cut -c1-300 || true
} > "$OUT/summary.txt"
log "summary ($OUT/summary.txt):"
cat "$OUT/summary.txt" >&2

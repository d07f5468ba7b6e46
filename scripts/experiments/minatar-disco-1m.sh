#!/usr/bin/env bash
# Issue #13, item 2: Disco103 with the MinAtar defaults for 1 M environment steps on every MinAtar game, seeds 1-3.
# Usage: scripts/experiments/minatar-disco-1m.sh [STEPS] [PARALLEL]   (defaults 1000000 and 2)
# Resumable across sessions: each run lives in runs/minatar-disco/<env>/fast-s<seed>/ (the folders
# minatar-disco-regimes.sh writes with the same options: batch 32, replay ratio 16, lr 1e-2, which are the MinAtar
# defaults of Disco rules since 2026-12-07); an unfinished run resumes from its latest checkpoint, a finished one is
# skipped. Runs go PARALLEL at a time (one torch thread each), every game's seed 1 first, then seeds 2 and 3. After each run the
# table docs/learning/minatar-disco-1m.tsv is rewritten from every run folder's metrics (commit it as it grows):
# env, seed, steps reached, mean of the last 100 training episodes, policy entropy, final evaluation (when finished).
# TABLE_ONLY=1 rewrites the table without running anything. ENVS="minatar/asterix ..." limits the games. Two copies may
# run at once: each folder is trained under its lock (<folder>.lock), so a copy waits for the other's run, then skips it.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-1000000}; PARALLEL=${2:-2}
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
ROOT=${ROOT:-runs/minatar-disco}
TABLE=${TABLE:-docs/learning/minatar-disco-1m.tsv}
OPTS="--batch 32 --replay-ratio 16 --lr 0.01"

table() {
  /usr/bin/python3 - "$ROOT" "$TABLE" <<'PY'
import glob, json, os, sys
root, out = sys.argv[1], sys.argv[2]
header = "env\tseed\tsteps\treturn_last_100\tentropy\tfinal_eval"
# Rows already in the table are kept unless a run folder here has the same env and seed: run folders do not outlive a
# session's machine, the committed table does.
kept = {}
if os.path.exists(out):
    for line in open(out).read().splitlines()[1:]:
        if line.strip(): kept[tuple(line.split('\t')[:2])] = line
rows = {}
for d in sorted(glob.glob(os.path.join(root, 'minatar-*', 'fast-s*'))):
    metrics = os.path.join(d, 'metrics.jsonl')
    if not os.path.exists(metrics): continue
    last = None
    for line in open(metrics):
        if line.strip():
            r = json.loads(line)
            if 'learner_steps' in r['values']: last = r
    if last is None: continue
    summary = os.path.join(d, 'summary.json')
    final = json.load(open(summary)).get('final_return_eval') if os.path.exists(summary) else None
    env = os.path.basename(os.path.dirname(d)).replace('minatar-', 'minatar/', 1)
    v = last['values']
    entropy = f"{v['entropy']:.3f}" if 'entropy' in v else ''
    rows[(env, d.rsplit('-s', 1)[1])] = (f"{env}\t{d.rsplit('-s', 1)[1]}\t{last['step']}\t{v.get('episode_return', float('nan')):.2f}\t{entropy}\t{'' if final is None else f'{final:.2f}'}")
kept.update(rows)
os.makedirs(os.path.dirname(out), exist_ok=True)
open(out, 'w').write('\n'.join([header] + [kept[k] for k in sorted(kept)]) + '\n')
PY
}

run() {
  local env=$1 seed=$2 dir="$ROOT/$(echo "$1" | tr '/' '-')/fast-s$2"
  mkdir -p "$(dirname "$dir")"
  # One trainer per folder, whoever started it: wait for the folder's lock (held by this run's subshell until it
  # exits), then look whether it is finished. Another copy of this script, or a resumed trainer started by hand under
  # `flock "$dir.lock" ...`, is waited for instead of trained over.
  exec {lock}>"$dir.lock"
  flock "$lock"
  # Finished: its summary counts at least STEPS (the last rollout may overshoot the budget).
  if [ -f "$dir/summary.json" ] && /usr/bin/python3 -c "import json,sys; sys.exit(json.load(open('$dir/summary.json'))['steps'] < $STEPS)"; then return 0; fi
  # Finished in an earlier session (its folder is gone, its row in the committed table has a final evaluation).
  if [ ! -d "$dir" ] && awk -F'\t' -v e="$env" -v s="$seed" -v n="$STEPS" '$1==e && $2==s && $3>=n+0 && $6!="" {f=1} END {exit !f}' "$TABLE" 2>/dev/null; then return 0; fi
  if [ -f "$dir/run.json" ] && ls "$dir/checkpoints" >/dev/null 2>&1; then
    $CLI train --resume "$dir" --steps "$STEPS" --threads 1 > "$dir.log" 2>&1
  else
    rm -rf "$dir"
    # shellcheck disable=SC2086
    $CLI train --env "$env" --rule disco103 --steps "$STEPS" --seed "$seed" --threads 1 --out "$dir" $OPTS > "$dir.log" 2>&1
  fi
  table
}

if [ "${TABLE_ONLY:-0}" = 1 ]; then table; echo "table: $TABLE"; exit 0; fi   # rewrite the table from the folders as they are

jobs=()
# Seed-major: every game's seed 1 before any game's seed 2, so each game is seen once as early as possible.
for seed in 1 2 3; do
  for env in ${ENVS:-minatar/breakout minatar/space_invaders minatar/asterix minatar/seaquest minatar/freeway}; do jobs+=("$env $seed"); done
done
running=0
for job in "${jobs[@]}"; do
  # shellcheck disable=SC2086
  run $job &
  running=$((running + 1))
  if [ "$running" -ge "$PARALLEL" ]; then wait -n; running=$((running - 1)); fi
done
wait
table
echo "done: $TABLE"

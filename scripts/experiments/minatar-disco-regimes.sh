#!/usr/bin/env bash
# Disco103 on MinAtar: does the learner regime take it off the uniform-policy fixed point (issue #13, item 2)?
# Usage: scripts/experiments/minatar-disco-regimes.sh STEPS SEED NAME:"TRAIN OPTIONS" [NAME:"OPTIONS" ...]
#   e.g. scripts/experiments/minatar-disco-regimes.sh 300000 1 fast:"--batch 32 --replay-ratio 16 --lr 0.01" lr1e-3:"--lr 0.001"
# ENV (default minatar/breakout). Runs go to runs/minatar-disco/<env>/<name>-s<seed>/, in parallel (one torch thread
# each); an unfinished run is resumed from its latest checkpoint, a finished one skipped, so the script can be
# re-run across sessions. Then prints, per run, the final return and the policy entropy (ln 6 = 1.7918 is uniform)
# at each tenth of the budget.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:?steps}; SEED=${2:?seed}; shift 2
ENV_ID=${ENV_ID:-minatar/breakout}
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
ROOT=runs/minatar-disco/$(echo "$ENV_ID" | tr '/' '-')
mkdir -p "$ROOT"
pids=()
for spec in "$@"; do
  name=${spec%%:*}; opts=${spec#*:}
  dir=$ROOT/$name-s$SEED
  # Finished: its summary counts at least STEPS (the last rollout may overshoot the budget).
  if [ -f "$dir/summary.json" ] && /usr/bin/python3 -c "import json,sys; sys.exit(json.load(open('$dir/summary.json'))['steps'] < $STEPS)"; then continue; fi
  if [ -f "$dir/run.json" ] && ls "$dir/checkpoints" >/dev/null 2>&1; then
    $CLI train --resume "$dir" --steps "$STEPS" --threads 1 > "$dir.log" 2>&1 &
  else
    rm -rf "$dir"
    # shellcheck disable=SC2086
    $CLI train --env "$ENV_ID" --rule disco103 --steps "$STEPS" --seed "$SEED" --threads 1 --out "$dir" $opts > "$dir.log" 2>&1 &
  fi
  pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
python3 - "$ROOT" "$STEPS" <<'PY'
import json, sys, glob, os
root, steps = sys.argv[1], int(sys.argv[2])
for d in sorted(glob.glob(os.path.join(root, '*/'))):
    rows = [json.loads(l) for l in open(os.path.join(d, 'metrics.jsonl')) if l.strip()]
    marks, out = [steps * k // 10 for k in range(1, 11)], []
    for m in marks:
        row = next((r for r in rows if r['step'] >= m and 'entropy' in r['values']), None)
        if row: out.append(f"{row['step'] // 1000}k: R {row['values'].get('episode_return', float('nan')):.2f} H {row['values']['entropy']:.4f}")
    summary = os.path.join(d, 'summary.json')
    final = json.load(open(summary))['final_return'] if os.path.exists(summary) else None
    print(os.path.basename(d.rstrip('/')), 'final', final, '|', '; '.join(out))
PY

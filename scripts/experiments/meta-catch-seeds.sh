#!/usr/bin/env bash
# Issue #18, item 2 ("before"): how often the Catch-from-random recipe (docs/LEARNING.md, "Catch from a random
# initialisation") discovers a working rule, over independent meta-training seeds, now with meta-validation choosing
# the checkpoint instead of a person: validation at meta-steps 0, 200, 400 and 600 (one fresh agent, 30,000 steps, the
# fresh-agent budget of that section), the best-validated rule then tested on a fresh agent with a seed disjoint from
# validation's. Usage: scripts/experiments/meta-catch-seeds.sh [SEEDS...]   (default 1 2 3 4 5)
# Resumable: each seed's run lives in runs/meta-seeds/catch5-random-s<seed>/; an unfinished one resumes from its latest
# checkpoint, a finished one is skipped. After each seed docs/learning/meta-catch-seeds.tsv is rewritten (commit it as
# it grows). THREADS=2 runs the meta-training on two torch threads (the 1- vs 2-thread comparison). A variant of the
# recipe: TAG=NAME OPTS="--option value ..." appends the options (the last value of an option wins) and runs into
# catch5-random-s<seed>-NAME; META_STEPS=N changes the length (default 600). The reference colab's exact configuration:
# META_STEPS=800 TAG=colab OPTS="--agents 2 --batch 32 --net colab --inner-lr 5e-4 --meta-lr 5e-4 --meta-grad-clip 0
# --lifetime 0 --target-kl-cost 0.01" (validation as the recipe's).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ]; then SEEDS=("$@"); else SEEDS=(1 2 3 4 5); fi
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
THREADS=${THREADS:-1}
TAG=${TAG:-}; OPTS=${OPTS:-}; META_STEPS=${META_STEPS:-600}
if [ -n "$OPTS" ] && [ -z "$TAG" ]; then echo "OPTS needs a TAG (the run folders' suffix)" >&2; exit 2; fi
ROOT=runs/meta-seeds; TABLE=docs/learning/meta-catch-seeds.tsv
mkdir -p "$ROOT"

table() {
  /usr/bin/python3 - "$ROOT" "$TABLE" <<'PY'
import glob, json, os, sys
root, out = sys.argv[1], sys.argv[2]
header = "run\tmeta_steps\tvalidations\tbest_meta_step\tbest_validation_return\ttest_return\tfinal_inner_return"
# Rows already in the table are kept unless a run folder here has the same name: run folders do not outlive a session's
# machine, the committed table does.
kept = {}
if os.path.exists(out):
    for line in open(out).read().splitlines()[1:]:
        if line.strip(): kept[line.split('\t')[0]] = line
for d in sorted(glob.glob(os.path.join(root, 'catch5-random-*'))):
    vals = []
    vf = os.path.join(d, 'validations.jsonl')
    if os.path.exists(vf):
        vals = [json.loads(l) for l in open(vf) if l.strip()]
    summary = os.path.join(d, 'summary.json')
    s = json.load(open(summary)) if os.path.exists(summary) else {}
    f = lambda x: "" if x is None else f"{x:.3f}"
    shown = " ".join(f"{v['meta_step']}:{f(v.get('validation_return'))}" for v in vals)
    kept[os.path.basename(d)] = ("\t".join([os.path.basename(d), str(s.get('meta_steps', '')), shown, str(s.get('best_meta_step', '')),
                           f(s.get('best_validation_return')), f(s.get('test_return')), f(s.get('final_inner_return'))]))
open(out, 'w').write("\n".join([header] + [kept[k] for k in sorted(kept)]) + "\n")
PY
}

for seed in "${SEEDS[@]}"; do
  run="$ROOT/catch5-random-s$seed$([ "$THREADS" = 1 ] || echo "-t$THREADS")${TAG:+-$TAG}"
  if [ -f "$run/summary.json" ]; then continue; fi
  # Finished in an earlier session (its folder is gone, its row in the committed table has a test return).
  if [ ! -d "$run" ] && awk -F'\t' -v r="$(basename "$run")" '$1==r && $6!="" {f=1} END {exit !f}' "$TABLE" 2>/dev/null; then continue; fi
  if [ -e "$run/checkpoints/latest" ]; then
    $CLI meta-train --resume "$run" --meta-steps "$META_STEPS"
  else
    # The recipe of meta-train-catch.sh, with meta-validation choosing the checkpoint.
    # shellcheck disable=SC2086
    $CLI meta-train --envs catch/5x5 --init random --seed "$seed" --meta-steps "$META_STEPS" \
        --agents 4 --net small --batch 16 --inner-lr 0.01 --meta-lr 0.003 --meta-grad-clip 1e-4 --lifetime 400 --target-kl-cost 0 \
        --checkpoint-every 100 --validate-every 200 --validation-agents 1 --validation-steps 30000 --threads "$THREADS" $OPTS --out "$run"
  fi
  table
done
table
cat "$TABLE"

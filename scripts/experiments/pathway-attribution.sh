#!/usr/bin/env bash
# Issue #18, item 2: which meta-loss term makes the meta-gradient on π̂'s per-action pathway, the blocks that switch off
# on some meta-seeds of the Catch recipe (docs/LEARNING.md, "What closes π̂'s per-action pathway"). The recipe of
# meta-catch-seeds.sh, 60 meta-steps per seed, with the gradient split by term every 2 meta-steps
# (--pathway-attribution-every 2). Usage: scripts/experiments/pathway-attribution.sh [SEEDS...]   (default 1 3 6)
# Writes runs/pathway-attribution/s<seed>/ and docs/learning/pathway-attribution.tsv (one row per seed and logged step:
# π̂'s spread, the pathway gradient's norm, each term's share of it, and the policy-gradient term's mean on the biases).
# A seed whose folder holds a finished run is not run again. About 2–3 minutes per seed on one core.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ $# -gt 0 ]; then SEEDS=("$@"); else SEEDS=(1 3 6); fi
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
ROOT=runs/pathway-attribution; TABLE=docs/learning/pathway-attribution.tsv
mkdir -p "$ROOT"
for seed in "${SEEDS[@]}"; do
  out="$ROOT/s$seed"
  if [ -f "$out/summary.json" ]; then continue; fi
  rm -rf "$out"
  $CLI meta-train --envs catch/5x5 --init random --seed "$seed" --meta-steps 60 \
    --agents 4 --net small --batch 16 --inner-lr 0.01 --meta-lr 0.003 --meta-grad-clip 1e-4 --lifetime 400 --target-kl-cost 0 \
    --checkpoint-every 100 --threads 1 --pathway-attribution-every 2 --out "$out" > "$out.log"
done
/usr/bin/python3 - "$ROOT" "$TABLE" <<'PY'
import glob, json, os, sys
root, out = sys.argv[1], sys.argv[2]
terms = ["pg", "entropy", "prediction_entropy", "output_mean", "target_kl"]
lines = ["seed\tmeta_step\tpi_hat_spread\tpathway_grad_norm\t" + "\t".join("share_" + t for t in terms) + "\tpg_bias_grad"]
for d in sorted(glob.glob(os.path.join(root, "s*")), key=lambda p: int(os.path.basename(p)[1:]) if os.path.basename(p)[1:].isdigit() else 0):
    if not os.path.isdir(d): continue
    for line in open(os.path.join(d, "metrics.jsonl")):
        r = json.loads(line); v = r["values"]
        if "pathway_share_pg" not in v: continue
        lines.append("\t".join([os.path.basename(d)[1:], str(r["step"]), f"{v['pi_hat_spread']:.2e}", f"{v['pathway_grad_norm']:.2e}"]
                               + [f"{v['pathway_share_' + t]:.3f}" for t in terms] + [f"{v['pathway_bias_grad_pg']:.2e}"]))
open(out, "w").write("\n".join(lines) + "\n")
PY
echo "table: $TABLE"

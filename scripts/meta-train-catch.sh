#!/usr/bin/env bash
# Issue #7's Catch experiment (docs/LEARNING.md, "Catch from a random initialisation"):
# meta-train a rule on catch/5x5 from a random initialisation, freeze it, then train fresh agents with
#   the random initial rule (meta step 0), the frozen meta-trained rule, and Disco103 as a control.
# Usage: scripts/meta-train-catch.sh [META_STEPS] [SEEDS...]     (default 600 meta steps; fresh-agent seeds 0 1 2)
#   CLI="dotnet /copy/Platform.Workers.dll"  runs a copied build (default: the Release build in the repo)
#   META_SEED=6                              the meta-training seed (it also draws the random initialisation)
# About 10 minutes of meta-training and 2 minutes per fresh agent on one CPU core.
set -euo pipefail
cd "$(dirname "$0")/.."
META_STEPS=${1:-600}; shift || true
if [ $# -gt 0 ]; then SEEDS=("$@"); else SEEDS=(0 1 2); fi
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
META_SEED=${META_SEED:-6}
RUN=runs/meta/catch5-random-s$META_SEED

# Population: 4 agents (small network; the meta-train default is the colab's larger one) × 16 Catch environments, K = 2 inner steps of 16-step rollouts, agent lr 1e-2, agents
# replaced every 400 inner steps (staggered), meta Adam lr 3e-3 on per-agent meta-gradients scaled to norm 1e-4,
# no target-policy KL (the other meta-loss regularisers at the reference's weights).
if [ ! -f "$RUN/summary.json" ]; then
  $CLI meta-train --envs catch/5x5 --init random --seed "$META_SEED" --meta-steps "$META_STEPS" \
      --agents 4 --net small --batch 16 --inner-lr 0.01 --meta-lr 0.003 --meta-grad-clip 1e-4 --lifetime 400 --target-kl-cost 0 \
      --checkpoint-every 100 --threads 1 --out "$RUN"
fi
ckpt() { printf '%s/checkpoints/meta-step-%012d/meta_network.npz' "$RUN" "$1"; }
cp "$(ckpt 0)" "$RUN/random-initial-rule.npz"
cp "$(ckpt "$META_STEPS")" "$RUN/meta-trained-rule-$META_STEPS.npz"

# Fresh agents with the Catch CI settings (small network, batch 32, replay ratio 16, lr 1e-2), 30,000 steps.
NAME=catch-5x5-meta RULES="npz:$RUN/random-initial-rule.npz npz:$RUN/meta-trained-rule-$META_STEPS.npz disco103" \
  CLI="$CLI" scripts/learning-report.sh catch/5x5 30000 "${SEEDS[@]}"
for d in runs/catch-5x5-meta/*/; do
  printf '%s %s\n' "$(basename "$d")" "$(grep -o '"final_return":[^,}]*' "$d/summary.json" || echo '?')"
done

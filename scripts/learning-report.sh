#!/usr/bin/env bash
# Learning report runs (docs/LEARNING.md): rules × seeds on an environment, then the plot.
# Usage: scripts/learning-report.sh ENV STEPS [SEEDS...]   e.g. scripts/learning-report.sh catch/8x8 52200 0 1 2
# Catch uses the CI settings (small network, batch 32 from 2 actors, lr 1e-2 for Disco103; actor-critic lr 2e-3 with
# entropy cost 0.1; PPO 16 actors lr 2.5e-3); other environments use the train verb's defaults.
# RULES="disco103 ppo npz:FILE.npz" picks the rules on non-Catch environments (a meta-network is named by its file);
# runs whose summary.json exists are skipped, so an interrupted report can be continued.
set -euo pipefail
cd "$(dirname "$0")/.."
ENV_ID=${1:?env id}; STEPS=${2:?env steps}; shift 2
SEEDS=("${@:-0}")
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}   # CLI=... runs a copied build
OUT=runs/$(echo "$ENV_ID" | tr '/' '-')
mkdir -p "$OUT"
for seed in "${SEEDS[@]}"; do
  if [[ $ENV_ID == catch/* ]]; then
    $CLI train --env "$ENV_ID" --rule disco103 --steps "$STEPS" --seed "$seed" --out "$OUT/disco103-$seed" --net small --batch 32 --replay-ratio 16 --lr 0.01 --threads 1
    $CLI train --env "$ENV_ID" --rule actor-critic --steps "$STEPS" --seed "$seed" --out "$OUT/actor-critic-$seed" --net small --batch 32 --replay-ratio 16 --lr 0.002 --entropy-cost 0.1 --threads 1
    $CLI train --env "$ENV_ID" --rule ppo --steps "$STEPS" --seed "$seed" --out "$OUT/ppo-$seed" --net small --batch 16 --lr 0.0025 --threads 1
  else
    for rule in ${RULES:-disco103 actor-critic ppo}; do
      name=$rule; [[ $rule == npz:* ]] && name=$(basename "${rule#npz:}" .npz)
      [ -f "$OUT/$name-$seed/summary.json" ] && continue   # already done
      $CLI train --env "$ENV_ID" --rule "$rule" --steps "$STEPS" --seed "$seed" --out "$OUT/$name-$seed" --threads 1
    done
  fi
done
runs=()
for d in "$OUT"/*/; do runs+=(--runs "$d"); done
$CLI plot "${runs[@]}" --out "docs/learning/$(echo "$ENV_ID" | tr '/' '-').png" --title "$ENV_ID"

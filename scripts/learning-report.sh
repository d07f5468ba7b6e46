#!/usr/bin/env bash
# Learning report runs (docs/LEARNING.md): rules × seeds on an environment, then the plot.
# Usage: scripts/learning-report.sh ENV STEPS [SEEDS...]   e.g. scripts/learning-report.sh catch/8x8 52200 0 1 2
#   RULES="disco103 ppo npz:FILE.npz"  the rules (default disco103 actor-critic ppo); a meta-network is named by its file
#   PRESET=fast                        the Catch defaults on another suite: batch 32 from 2 actors, lr 1e-2 for
#                                      Disco-type rules; actor-critic lr 2e-3 with entropy cost 0.1; PPO 16 actors
#                                      lr 2.5e-3. Otherwise (and always on catch/*) the train verb's defaults for the
#                                      suite and rule (the train option table).
#   CLI="dotnet /copy/Platform.Workers.dll"  runs a copied build
#   NAME=catch-5x5-meta                the runs folder and plot name (default: the env id with '-', plus -fast)
# Runs go to runs/<NAME>/<rule>-<seed>/; runs whose summary.json exists are skipped, so a report can be continued.
set -euo pipefail
cd "$(dirname "$0")/.."
ENV_ID=${1:?env id}; STEPS=${2:?env steps}; shift 2
SEEDS=("${@:-0}")
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
PRESET=${PRESET:-default}
[[ $ENV_ID == catch/* ]] && PRESET=default   # the Catch defaults are the fast settings
if [[ -z ${NAME:-} ]]; then
  NAME=$(echo "$ENV_ID" | tr '/' '-')
  [[ $PRESET == fast ]] && NAME=$NAME-fast
fi
OUT=runs/$NAME
mkdir -p "$OUT"

settings() {   # extra train options for a rule under the preset
  [[ $PRESET == fast ]] || return 0
  case $1 in
    actor-critic) echo "--batch 32 --replay-ratio 16 --lr 0.002 --entropy-cost 0.1" ;;
    ppo) echo "--batch 16 --lr 0.0025" ;;
    *) echo "--batch 32 --replay-ratio 16 --lr 0.01" ;;
  esac
}

for seed in "${SEEDS[@]}"; do
  for rule in ${RULES:-disco103 actor-critic ppo}; do
    name=$rule; [[ $rule == npz:* ]] && name=$(basename "${rule#npz:}" .npz)
    [ -f "$OUT/$name-$seed/summary.json" ] && continue
    # shellcheck disable=SC2046
    $CLI train --env "$ENV_ID" --rule "$rule" --steps "$STEPS" --seed "$seed" --out "$OUT/$name-$seed" --threads 1 $(settings "$rule")
  done
done
runs=()
for d in "$OUT"/*/; do runs+=(--runs "$d"); done
TITLE=$ENV_ID; [[ $NAME == *-fast ]] && TITLE="$ENV_ID (fast settings)"
$CLI plot "${runs[@]}" --out "docs/learning/$NAME.png" --title "$TITLE"

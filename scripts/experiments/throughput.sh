#!/usr/bin/env bash
# Train throughput with the defaults (BENCHMARKS.md, "Train throughput with the defaults"; Platform.Data/Runs/
# MeasuredThroughput.cs holds the figures the submit form's time estimate falls back on).
# Usage: scripts/experiments/throughput.sh [STEPS]   one run at a time, nothing else running; torch's default threads.
# Prints one markdown row per suite × rule: environment steps per second of wall time, start-up included, as a
# worker's run would take.
set -euo pipefail
cd "$(dirname "$0")/../.."
STEPS=${1:-20000}
CLI=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
for env in catch/8x8 minatar/breakout procgen/maze; do
  for rule in disco103 actor-critic ppo; do
    start=$(date +%s.%N)
    $CLI train --env "$env" --rule "$rule" --steps "$STEPS" --seed 0 --out "$OUT/${env//\//-}-$rule" > /dev/null
    end=$(date +%s.%N)
    python3 -c "import sys; s=float(sys.argv[1]); t=float(sys.argv[2]); print(f'| {sys.argv[3].split(\"/\")[0]} | {sys.argv[4]} | {s/t:.0f} | {t:.0f} s for {int(s):,} steps on {sys.argv[3]} |')" \
      "$STEPS" "$(python3 -c "print($end - $start)")" "$env" "$rule"
  done
done

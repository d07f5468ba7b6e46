#!/usr/bin/env bash
# The device check (issue #15): one script to run when a CUDA machine is lent, and on CPU in CI so it never rots.
# Usage: scripts/gpu-check.sh [--device cuda|cpu] [--quick] [--out FILE]
#   --device   where to compute (default cuda); cuda needs DISCO_LIBTORCH_CUDA (../shared/docs/gpu.md)
#   --quick    a few iterations per step (CI); without it, the figures BENCHMARKS.md reports
#   --out      the report (default .local/gpu-check/report-DEVICE.txt)
# Steps: torch-info; verify-golden on both golden files (float32 against the reference, on the device, TF32 off);
# bench-rule; bench-learner on the Catch demo configuration (the reference harness's: MLP 512-512,
# LSTM 128, batch 64, replay ratio 32) and on MinAtar Breakout with its defaults; meta-train throughput on the Catch
# colab setting. Exits non-zero as soon as a step fails; the report keeps every step's output.
set -euo pipefail
cd "$(dirname "$0")/.."
DEVICE=cuda QUICK=0 OUT=""
while [ $# -gt 0 ]; do
  case "$1" in
    --device) DEVICE=$2; shift 2 ;;
    --quick) QUICK=1; shift ;;
    --out) OUT=$2; shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
OUT=${OUT:-.local/gpu-check/report-$DEVICE.txt}
SHARED=${DISCO_SHARED_DIR:-../shared}
W=${CLI:-"dotnet Platform.Workers/bin/Release/net10.0/Platform.Workers.dll"}
if [ "$QUICK" = 1 ]; then ITER=2 META=2; else ITER=20 META=20; fi
mkdir -p "$(dirname "$OUT")"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
{ echo "# gpu-check $(date -u +%FT%TZ) device=$DEVICE quick=$QUICK host=$(hostname) nproc=$(nproc)"; } > "$OUT"

step() {
  local name=$1; shift
  echo "## $name: $*" >> "$OUT"
  local start; start=$(date +%s.%N)
  if ! "$@" >> "$OUT" 2>&1; then echo "FAILED: $name" >> "$OUT"; echo "gpu-check: $name failed (report: $OUT)" >&2; exit 1; fi
  echo "seconds=$(python3 -c "print(round($(date +%s.%N) - $start, 1))")" >> "$OUT"
}

step torch-info $W torch-info
for golden in "$SHARED"/golden/*.npz; do step "verify-golden $(basename "$golden")" $W verify-golden "$golden" --device "$DEVICE"; done
step bench-rule $W bench-rule --device "$DEVICE" --iterations "$ITER"
step "bench-learner catch demo" $W bench-learner --env catch/8x8 --rule disco103 --net demo --batch 64 --iterations "$ITER" --device "$DEVICE"
step "bench-learner breakout" $W bench-learner --env minatar/breakout --rule disco103 --batch 32 --replay-ratio 16 --iterations "$ITER" --device "$DEVICE"
step "meta-train catch colab" $W meta-train --envs catch/5x5 --meta-steps "$META" --out "$TMP/meta" --device "$DEVICE"
echo "# done" >> "$OUT"
echo "gpu-check: every step passed; report: $OUT"

#!/usr/bin/env bash
# The exact training commands of the shipped candidates (see README.md). Re-running resumes from the checkpoints.
# VENV: a Python 3.11 venv with torch 2.13 CPU, numpy, Pillow and onnx (see training/imagenette/README.md).
set -euo pipefail
cd "$(dirname "$0")"
PY=${PY:-/work/torchenv/bin/python}
OUT=${OUT:-/tmp/faultline-distill}
case "${1:-features}" in
  features) OMP_WAIT_POLICY=PASSIVE "$PY" distill.py --method features --out "$OUT/features" --eps 0.75 --size 160 \
              --lr 1e-4 --pull 0.01 --steps 4000 --time-budget-min "${FEATURES_MIN:-100}" --threads 2 ;;
  denoiser) OMP_WAIT_POLICY=PASSIVE "$PY" distill.py --method denoiser --out "$OUT/denoiser" --eps 0.75 --size 160 \
              --lr 1e-3 --steps 4000 --time-budget-min "${DENOISER_MIN:-80}" --threads 1 ;;
esac

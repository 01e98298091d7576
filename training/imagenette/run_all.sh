#!/usr/bin/env bash
# Trains the robust and the standard Imagenette ResNet-18, exports both to ONNX, evaluates them.
# Run from anywhere:  nohup bash training/imagenette/run_all.sh > /tmp/faultline-run_all.out 2>&1 &
# Needs: PyTorch (CPU) in $PYTHON (default /work/torchenv/bin/python), ../shared/data/imagenette.
# Checkpoints in /tmp/faultline-train/<mode>/ (re-running resumes), decoded-image cache in
# /tmp/faultline-imagenette-cache. Small text logs go to training/imagenette/logs/.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PYTHON:-/work/torchenv/bin/python}"
EPOCHS="${EPOCHS:-12}"            # upper bound; the time budgets below usually stop training first
ROBUST_MIN="${ROBUST_MIN:-48}"     # wall-clock budget (minutes) of the robust run; the cosine LR follows it
STANDARD_MIN="${STANDARD_MIN:-16}" # cap for the standard run, which takes the robust run's exact step count
ADV_SUBSET="${ADV_SUBSET:-250}"
THREADS="${THREADS:-1}"            # 1: on a heavily shared 2-core machine, 2 OpenMP threads mostly spin-wait
LOGS="$HERE/logs"
mkdir -p "$LOGS" "$ROOT/models"
cd "$ROOT"

echo "$(date -u +%FT%TZ) robust training start"
"$PY" training/imagenette/train_robust.py --mode robust --epochs "$EPOCHS" --eps 1.5 --seed 0 --threads "$THREADS" \
  --time-budget-min "$ROBUST_MIN" \
  --out /tmp/faultline-train/robust --resume >> "$LOGS/train_robust.log" 2>&1
STEPS="$("$PY" -c 'import json; print(json.load(open("/tmp/faultline-train/robust/history.json"))["summary"]["steps"])')"
echo "$(date -u +%FT%TZ) standard training start ($STEPS steps, as the robust run)"
"$PY" training/imagenette/train_robust.py --mode standard --epochs "$EPOCHS" --steps "$STEPS" --seed 0 --threads "$THREADS" \
  --time-budget-min "$STANDARD_MIN" --out /tmp/faultline-train/standard --resume >> "$LOGS/train_standard.log" 2>&1
echo "$(date -u +%FT%TZ) export start"
for MODE in robust standard; do
  "$PY" training/imagenette/export_onnx.py --ckpt /tmp/faultline-train/$MODE/final.pt \
    --onnx models/imagenette-$MODE-resnet18.onnx >> "$LOGS/export.log" 2>&1
done
echo "$(date -u +%FT%TZ) eval start"
"$PY" training/imagenette/evaluate.py --adv-subset "$ADV_SUBSET" --seed 0 --threads "$THREADS" >> "$LOGS/eval.log" 2>&1
echo "$(date -u +%FT%TZ) all done"

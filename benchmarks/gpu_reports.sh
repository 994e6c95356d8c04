#!/usr/bin/env bash
# Every GPU measurement of benchmarks/results/, one after the other on one CUDA machine:
#   1. benchmarks/benchmark_models.py --device cuda -> OUT/benchmark_models_cuda.{md,json}
#   2. benchmarks/benchmark_codecs.py --device cuda -> OUT/benchmark_codecs_cuda.{md,json}
#   3. the procedural poses (made once, then reused) and
#      benchmarks/learning_comparison.py            -> OUT/learning_comparison.{md,json,png}
#   4. tools/train.py --amp: CLNet-R50's own config (from scratch) trained for
#      AMP_EPOCHS epochs on the procedural poses with MMEngine's
#      AmpOptimWrapper; its NonFiniteLossHook stops it at a NaN/inf loss
#                                                     -> OUT/amp_train.log
# Each step's output is in OUT/gpu_reports.log too. Nothing is overwritten but
# the reports in OUT: the data, checkpoints and logs go to new folders in WORK.
#
# Usage: bash benchmarks/gpu_reports.sh [OUT=benchmarks/results] [WORK=work_dirs/gpu_reports]
# Settings (environment): WORKERS=12 MINUTES=20 BATCH=64 AMP_EPOCHS=2 PYTHON=python3
#   STEPS="models codecs learning amp" (a subset runs only those steps)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(realpath -m "${1:-$ROOT/benchmarks/results}")
WORK=$(realpath -m "${2:-$ROOT/work_dirs/gpu_reports}")
cd "$ROOT"
STEPS=${STEPS:-models codecs learning amp}
for step in $STEPS; do
  case $step in models|codecs|learning|amp) ;;
    *) echo "gpu_reports.sh: unknown step '$step' in STEPS (models, codecs, learning, amp)" >&2
       exit 2 ;;
  esac
done
PY=${PYTHON:-python3}
"$PY" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else
"gpu_reports.sh: torch sees no CUDA device")'
mkdir -p "$OUT" "$WORK"
WORKERS=${WORKERS:-12}
MINUTES=${MINUTES:-20}
BATCH=${BATCH:-64}
AMP_EPOCHS=${AMP_EPOCHS:-2}
export PYTHONUNBUFFERED=1
exec > >(tee -a "$OUT/gpu_reports.log") 2>&1
nvidia-smi -L || true

stamp=$(date +%Y%m%d_%H%M%S)
data="$WORK/synthetic_pose"

runs() { case " $STEPS " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
make_data() {
  [ -f "$data/annotations/person_keypoints_val.json" ] ||
    "$PY" -m benchmarks.generate_synthetic_poses "$data"
}

if runs models; then
  echo "== model speed ($(date))"
  "$PY" -m benchmarks.benchmark_models --device cuda --train-batch "$BATCH" \
    --train-workers "$WORKERS" --out "$OUT/benchmark_models_cuda"
fi

if runs codecs; then
  echo "== codecs ($(date))"
  "$PY" -m benchmarks.benchmark_codecs --device cuda --out "$OUT/benchmark_codecs_cuda"
fi

if runs learning; then
  echo "== learning comparison ($(date))"
  make_data
  "$PY" -m benchmarks.learning_comparison "$data" --minutes "$MINUTES" \
    --batch-size "$BATCH" --workers "$WORKERS" \
    --work-dir "$WORK/learning_comparison_$stamp" --out "$OUT/learning_comparison"
fi

if runs amp; then
  echo "== tools/train.py --amp ($(date))"
  make_data
  train=train_dataloader.dataset
  val=val_dataloader.dataset
  test=test_dataloader.dataset
  ann=annotations/person_keypoints
  "$PY" tools/train.py configs/clnet_r50_coco_256x192.py --amp \
    --work-dir "$WORK/amp_train_$stamp" --cfg-options \
    model.backbone.init_cfg=None train_cfg.max_epochs="$AMP_EPOCHS" \
    train_cfg.val_interval="$AMP_EPOCHS" train_dataloader.num_workers="$WORKERS" \
    "$train.data_root=$data/" "$train.ann_file=${ann}_train.json" "$train.data_prefix.img=train/" \
    "$val.data_root=$data/" "$val.ann_file=${ann}_val.json" "$val.data_prefix.img=val/" \
    "$val.bbox_file=None" \
    "$test.data_root=$data/" "$test.ann_file=${ann}_val.json" "$test.data_prefix.img=val/" \
    "$test.bbox_file=None" \
    "val_evaluator.ann_file=$data/${ann}_val.json" "test_evaluator.ann_file=$data/${ann}_val.json" \
    2>&1 | tee "$OUT/amp_train.log"
fi
echo "== done ($(date))"

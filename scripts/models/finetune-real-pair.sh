#!/usr/bin/env bash
# The second stage of the default model: the synthesis-trained U-Net (scripts/models/train-real-model.sh)
# fine-tuned on the one real four-modality pair we may train on, TCGA-FG-6692 (its real images and
# algorithm-consensus labels), mixed half and half with ICBM152 phantoms so that phantom accuracy
# is kept. The real study is copied into WORKDIR/data six times under other ids (train samples
# studies uniformly, so six copies beside six phantoms make half the drawn slices real); nothing is
# written into the repository. One of the twelve is held for the per-epoch validation Dice, which
# selects nothing (--keep last). BraTS-GLI-00001-000 stays held out. Half the drawn slices also get
# enhancing vessels painted at the brain's surface (--surface-enhancement 0.5): the real pair has few,
# and real glioma studies' sinuses were marked as enhancing tumour. Half the tumour slices get the
# core's signal moved toward the oedema's and the enhancement weakened (--tumour-contrast 0.5): a
# real glioma's core can look like its oedema, and its enhancement can be faint.
# About 15 minutes on a 2-core machine (4 epochs of 320 patches), then the real-scan evaluation.
# Usage: bash scripts/models/finetune-real-pair.sh [WORKDIR] [START_MODEL] [TRAIN_OPTIONS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/ganet-seg-real-pair}
start=${2:-models/ganet-seg-unet-synthesis.safetensors}
shift 2 || shift $#
real=${GANET_SEG_REAL_DATA:-../shared/data/real}
bin=.build/release/ganet-seg
pair=$real/studies/TCGA-FG-6692
[[ -f $start ]] || { echo "no start model at $start (scripts/models/train-real-model.sh makes it)" >&2; exit 66; }
[[ -d $pair ]] || { echo "no real pair at $pair" >&2; exit 66; }
swift build -c release --product ganet-seg
data=$work/data
rm -rf "$data"
"$bin" synth --output "$data" --seed 100 --count 6 > /dev/null 2>&1
for copy in 1 2 3 4 5 6; do
  id=TCGA-FG-6692-$copy
  mkdir -p "$data/$id"
  for m in t1 t1ce t2 flair seg; do cp "$pair/TCGA-FG-6692_$m.nii.gz" "$data/$id/${id}_$m.nii.gz"; done
done
$bin train --data "$data" --validation-fraction 0.08 --initial-weights "$start" \
  --output "$work/unet.safetensors" --keep last --epochs 4 --samples-per-epoch 320 --batch-size 8 \
  --lr 5e-5 --seed 31 --device cpu --weights-type f16 --surface-enhancement 0.5 --tumour-contrast 0.5 \
  --data-description "synthesis from TCGA-FG-6692, BRATS 2013 pat0001-0006, SRI24 + transplanted tumours, ICBM152 phantoms; fine-tuned on the real TCGA-FG-6692 and ICBM152 phantoms" "$@"
bash scripts/models/evaluate-real-scans.sh "$work/unet.safetensors" "$work/real-scans"

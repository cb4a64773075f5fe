#!/usr/bin/env bash
# Reproduces the synthesis stage (models/ganet-seg-unet-synthesis.safetensors), the start of the default
# model (scripts/models/finetune-real-pair.sh fine-tunes it on the real pair): the phantom-trained U-Net
# (models/ganet-seg-unet-phantoms.safetensors, from scripts/models/train-default-model.sh) fine-tuned on
# studies synthesised on the fly from real anatomy (train --synthesis-from; nothing is written to disk).
#
# The split of ../shared/data/real (see models/README.md):
#   synthesis sources  TCGA-FG-6692 (four real modalities, algorithm-consensus labels),
#                      BRATS 2013 pat0001-0006 (real FLAIR and T1c, expert labels; T1 and T2 synthesised),
#                      the SRI24 atlas T1 (tumour-free; the sources' tumours are transplanted into it),
#                      ICBM152 phantoms (10%)
#   held out           BraTS-GLI-00001-000: never trained, tuned or selected on
#   robustness only    BraTS-MET-00110-000, BraTS20_Training_001 (no reference in the folder)
# About 100 minutes on a 2-core machine (20 epochs of 320 patches). Extra arguments go to `train`
# (e.g. --resume after an interruption).
# Usage: bash scripts/models/train-real-model.sh [WORKDIR] [TRAIN_OPTIONS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/ganet-seg-real-training}
shift || true
real=${GANET_SEG_REAL_DATA:-../shared/data/real}
bin=.build/release/ganet-seg
swift build -c release --product ganet-seg
mkdir -p "$work"
sources=(--synthesis-from "$real/studies/TCGA-FG-6692")
for p in 1 2 3 4 5 6; do sources+=(--synthesis-from "$real/brats2013/brats_2013_pat000${p}_1"); done
sources+=(--synthesis-from "$real/normal/sri24/sri24_t1_brain_brats_space.nii.gz")
$bin train "${sources[@]}" --initial-weights models/ganet-seg-unet-phantoms.safetensors \
  --output "$work/unet.safetensors" --keep last --epochs 20 --samples-per-epoch 320 --batch-size 8 \
  --lr 2e-4 --seed 21 --device cpu --weights-type f16 \
  --data-description "synthesis from TCGA-FG-6692, BRATS 2013 pat0001-0006, SRI24 + transplanted tumours, ICBM152 phantoms" "$@"
bash scripts/models/evaluate-real-scans.sh "$work/unet.safetensors" "$work/real-scans"

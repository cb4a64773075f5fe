#!/usr/bin/env bash
# Reproduces the phantom-trained model (models/ganet-seg-unet-phantoms.safetensors, the start of the
# default model: scripts/models/train-real-model.sh) and the figures of its card:
# synthesises the training and held-out phantoms, trains in the three runs the card describes
# (8 epochs on tumour slices only; to epoch 10 with a quarter of tumour-free slices; a second schedule
# of 13 epochs resumed at epoch 10), then segments and scores the held-out set. Keeps the epoch-10
# checkpoint as epoch10.checkpoint, the common start of scripts/models/reproduce-results.sh's two arms.
# About 2 hours on a 2-core machine.
# Usage: bash scripts/models/train-default-model.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/ganet-seg-training}
bin=.build/release/ganet-seg
swift build -c release --product ganet-seg
mkdir -p "$work"
$bin synth --output "$work/train" --count 40 --seed 100
$bin synth --output "$work/test" --count 10 --seed 900
common=(--data "$work/train" --output "$work/unet.safetensors" --samples-per-epoch 480 --batch-size 8
        --patch-size 128 --lr 1e-3 --validation-fraction 0.1 --seed 7 --weights-type f16
        --data-description "synthetic phantoms (ganet-seg synth --seed 100 --count 40, ICBM152 anatomy)")
$bin train "${common[@]}" --epochs 8 --empty-slice-share 0
$bin train "${common[@]}" --epochs 10 --empty-slice-share 0.25 --resume
cp "$work/unet.safetensors.checkpoint" "$work/epoch10.checkpoint"
$bin train "${common[@]}" --epochs 13 --empty-slice-share 0.25 --resume --keep last
bash scripts/models/evaluate-model.sh "$work/unet.safetensors" "$work/test" "$work/eval"

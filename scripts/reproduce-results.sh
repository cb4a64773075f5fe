#!/usr/bin/env bash
# Regenerates every number of docs/results.md: pre-trains the GAN on normal phantoms, continues the
# shipped U-Net's run (epoch 10 checkpoint) for three more epochs twice, without and with the GAN's
# adversarial feedback (same data, seed and schedule), then scores both on the held-out phantoms
# (Table 2) and the GAN's slice-level detection (Table 1). Needs the work folder of
# scripts/train-default-model.sh (train/, test/ and unet.safetensors.checkpoint). About 1.5 hours
# on a 2-core machine.
# Usage: bash scripts/reproduce-results.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/ganet-seg-training}
bin=.build/release/ganet-seg
swift build -c release --product ganet-seg
description="synthetic phantoms (ganet-seg synth --seed 100 --count 40, ICBM152 anatomy)"

$bin synth --output "$work/normals" --count 16 --seed 300 --normal
$bin pretrain-gan --normals "$work/normals" --output "$work/gan.safetensors" --modalities t1 \
    --samples-per-epoch 320 --epochs 12 --patience 5 --seed 11 \
    --data-description "synthetic normal phantoms (ganet-seg synth --normal --seed 300 --count 16, ICBM152 anatomy)"

common=(--data "$work/train" --samples-per-epoch 480 --batch-size 8 --patch-size 128 --lr 1e-3
        --validation-fraction 0.1 --seed 7 --empty-slice-share 0.25 --resume --weights-type f16
        --epochs 13 --keep last --data-description "$description")
for arm in unet-only ganet-seg; do
    mkdir -p "$work/$arm"
    cp "$work/unet.safetensors.checkpoint" "$work/$arm/unet.safetensors.checkpoint"
done
$bin train "${common[@]}" --output "$work/unet-only/unet.safetensors"
$bin train "${common[@]}" --output "$work/ganet-seg/unet.safetensors" \
    --gan "$work/gan.safetensors" --phase-one-epochs 10 --weight-refresh 10

bash scripts/evaluate-model.sh "$work/unet-only/unet.safetensors" "$work/test" "$work/eval-unet-only"
bash scripts/evaluate-model.sh "$work/ganet-seg/unet.safetensors" "$work/test" "$work/eval-ganet-seg" \
    --gan "$work/gan.safetensors"
$bin evaluate-detection "$work/eval-ganet-seg/segmentations" "$work/test" --thresholds 0.1,0.2,0.3,0.4 \
    --csv "$work/detection.csv"

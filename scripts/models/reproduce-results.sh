#!/usr/bin/env bash
# Regenerates the numbers of docs/results.md's phantom comparison (GANet-Seg against the U-Net alone;
# the real-scan sections name their own scripts). Needs the work folder of
# scripts/models/train-default-model.sh (train/, test/, epoch10.checkpoint, and unet.safetensors: the U-Net
# alone, whose held-out scores are in eval/). Pre-trains the GAN on normal phantoms, then continues
# the epoch-10 checkpoint for three joint epochs twice, with the paper's loss and with the adversarial
# feedback alone at a tenth of the segmentation gradient (same data, seed and schedule as the U-Net's
# own three epochs), and scores both on the held-out phantoms (Table 2) and the GAN's slice-level
# detection (Table 1). About 1.5 hours on a 2-core machine.
# Usage: bash scripts/models/reproduce-results.sh [WORKDIR]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/ganet-seg-training}
bin=.build/release/ganet-seg
swift build -c release --product ganet-seg

$bin synth --output "$work/normals" --count 16 --seed 300 --normal
$bin pretrain-gan --normals "$work/normals" --output "$work/gan.safetensors" --modalities t1 \
    --samples-per-epoch 320 --epochs 12 --patience 5 --seed 11 \
    --data-description "synthetic normal phantoms (ganet-seg synth --normal --seed 300 --count 16, ICBM152 anatomy)"

common=(--data "$work/train" --samples-per-epoch 480 --batch-size 8 --patch-size 128 --lr 1e-3
        --validation-fraction 0.1 --seed 7 --empty-slice-share 0.25 --resume --weights-type f16
        --epochs 13 --keep last --gan "$work/gan.safetensors" --phase-one-epochs 10 --weight-refresh 10
        --data-description "synthetic phantoms (ganet-seg synth --seed 100 --count 40, ICBM152 anatomy)")
for arm in ganet-seg-paper ganet-seg-adversarial; do
    mkdir -p "$work/$arm"
    cp "$work/epoch10.checkpoint" "$work/$arm/unet.safetensors.checkpoint"
done
$bin train "${common[@]}" --output "$work/ganet-seg-paper/unet.safetensors"
$bin train "${common[@]}" --output "$work/ganet-seg-adversarial/unet.safetensors" \
    --alpha 0 --gamma 0 --adversarial-weight 0.1

for arm in ganet-seg-paper ganet-seg-adversarial; do
    bash scripts/models/evaluate-model.sh "$work/$arm/unet.safetensors" "$work/test" "$work/eval-$arm" \
        --gan "$work/gan.safetensors"
done
for thresholds in 0.1,0.2,0.3,0.4 0.5,0.6,0.7,0.8,0.9; do
    $bin evaluate-detection "$work/eval-ganet-seg-paper/segmentations" "$work/test" --thresholds "$thresholds"
done

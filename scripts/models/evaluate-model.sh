#!/usr/bin/env bash
# Segments every study of a held-out folder with a model and scores the results against their
# ground truths (BraTS 2023 metrics; mean and median in the layout of the paper's Table 2).
# Usage: bash scripts/models/evaluate-model.sh MODEL.safetensors STUDIES_DIR OUT_DIR [SEGMENT_OPTIONS...]
# (e.g. --gan GAN.safetensors to also write the anomaly maps that evaluate-detection scores).
# GANET_BIN names another build of ganet-seg (default: the release build here).
set -euo pipefail
cd "$(dirname "$0")/../.."
model=$1 studies=$2 out=$3
shift 3
bin=${GANET_BIN:-.build/release/ganet-seg}
mkdir -p "$out"
$bin segment "$studies"/*/ --model "$model" --output "$out/segmentations" "$@"
$bin evaluate-set "$out/segmentations" "$studies" --csv "$out/cases.csv" | tee "$out/summary.txt"

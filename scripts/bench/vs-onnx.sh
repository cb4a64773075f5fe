#!/usr/bin/env bash
# Times the U-Net forward of ganet-seg and of ONNX Runtime (same architecture, weights, slice size,
# batch and thread count) back to back on this machine. Development only: needs
# `pip install numpy onnx onnxruntime` (or PYTHON=path/to/python). Usage: bash scripts/bench/vs-onnx.sh [STUDY] [MODEL]
set -euo pipefail
cd "$(dirname "$0")/../.."
study=${1:-samples/Phantom_2026_001}
model=${2:-models/ganet-seg-unet.safetensors}
threads=$(nproc)
swift build -c release --product ganet-seg >/dev/null
out=$(.build/release/ganet-seg bench "$study" --model "$model" --repeat 3 --device cpu)
echo "$out"
# "U-Net: 140 slices of 160 x 192, batch 8: ..." gives the slice size the network saw.
read -r width height < <(echo "$out" | sed -n 's/^U-Net: [0-9]* slices of \([0-9]*\) x \([0-9]*\),.*/\1 \2/p')
echo
echo "ONNX Runtime, same network on ${width} x ${height} slices, batch 8, ${threads} threads:"
${PYTHON:-python3} scripts/bench/onnx-baseline.py --weights "$model" --batch 8 --height "$height" --width "$width" \
    --threads "$threads" --runs 5

#!/usr/bin/env bash
# Builds ganet-seg (release) and segments the sample study with the shipped model. Results:
# /tmp/ganet-seg-sample/Phantom_2026_001/ (mask, report/overview.png, metrics.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/product/install-deps.sh
swift build -c release --product ganet-seg
out=/tmp/ganet-seg-sample
rm -rf "$out"
.build/release/ganet-seg segment samples/Phantom_2026_001 --output "$out"
echo "report: $out/Phantom_2026_001/report/overview.png"
echo "metrics: $out/Phantom_2026_001/metrics.json"

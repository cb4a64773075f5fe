#!/usr/bin/env bash
# Builds ganet-seg and runs it on the sample study: header summary and the PNG report of its
# ground-truth labels. Output: /tmp/ganet-seg-sample/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
swift build -c release
bin=.build/release/ganet-seg
study=samples/Phantom_2026_001
out=/tmp/ganet-seg-sample
$bin info "$study/Phantom_2026_001_flair.nii.gz"
$bin report "$study" --seg "$study/Phantom_2026_001_seg.nii.gz" --output "$out/report"
echo "open $out/report/overview.png"

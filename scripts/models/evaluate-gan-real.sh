#!/usr/bin/env bash
# Table 1 of docs/results.md on real scans: slice-level tumour detection and the voxel-level AUROC
# of a GAN's anomaly maps, both maps (the discriminator's 1 - D and the inpainting residual).
#   validation: BraTS-MET-00110-000 (a metastasis; AURORA model reference). Its normal tissue
#               selected the GAN's epoch; here it picks each map's threshold, the one with the
#               highest slice sensitivity + specificity (Youden's J).
#   test:       BraTS-GLI-00001-000 (BraTS 2023 winning model's reference), which no GAN training
#               or selection saw, scored at that threshold and at the paper's 0.1-0.4.
#   trained on: TCGA-FG-6692 (its normal tissue outside the tumour + 15 mm), reported apart.
# The references are algorithm outputs, not expert labels (../shared/data/real/README.md). A slice
# is a tumour slice when its reference holds any tumour label.
# Usage: bash scripts/models/evaluate-gan-real.sh GAN [OUT_DIR] [MODEL]
set -euo pipefail
cd "$(dirname "$0")/../.."
gan=${1:?usage: evaluate-gan-real.sh GAN [OUT_DIR] [MODEL]}
out=${2:-/tmp/ganet-seg-gan-real}
model=${3:-models/ganet-seg-unet.safetensors}
real=${GANET_SEG_REAL_DATA:-../shared/data/real}
bin=${GANET_BIN:-.build/release/ganet-seg}
declare -A role=([BraTS-MET-00110-000]=validation [BraTS-GLI-00001-000]=test [TCGA-FG-6692]=trained)
declare -A study=([test]=BraTS-GLI-00001-000 [trained]=TCGA-FG-6692)

mkdir -p "$out"
# The references side by side under the names evaluate-detection looks for (never into the repository).
refs=$out/references
rm -rf "$refs" && mkdir -p "$refs"
cp "$real/studies/BraTS-GLI-00001-000/BraTS-GLI-00001-000-seg.nii.gz" "$refs/"
cp "$real/studies/TCGA-FG-6692/TCGA-FG-6692_seg.nii.gz" "$refs/"
cp "$real/references/BraTS-MET-00110-000/aurora_t1c_segmentation.nii.gz" "$refs/BraTS-MET-00110-000-seg.nii.gz"

for map in discriminator discriminator-in-holes residual; do
  for id in "${!role[@]}"; do
    dir=$out/$map/${role[$id]}
    mkdir -p "$dir"
    [[ -f $dir/$id/metrics.json ]] && continue
    "$bin" segment "$real/studies/$id" --model "$model" --gan "$gan" --anomaly-map "$map" \
      --output "$dir" --device cpu >>"$out/segment.log" 2>&1
  done
  echo "## $map map"
  echo "### validation (BraTS-MET-00110-000)"
  "$bin" evaluate-detection "$out/$map/validation" "$refs" --brain-slices-only --select-threshold youden \
    | tee "$out/$map/validation.txt" | grep -v "^warning"
  threshold=$(sed -n 's/^selected threshold \([0-9.e-]*\) .*/\1/p' "$out/$map/validation.txt")
  for part in test trained; do
    echo "### $part (${study[$part]}), thresholds 0.1-0.4 and the validation's ${threshold:-none}"
    "$bin" evaluate-detection "$out/$map/$part" "$refs" --brain-slices-only \
      --thresholds "0.1,0.2,0.3,0.4${threshold:+,$threshold}" | grep -v "^warning"
  done
done

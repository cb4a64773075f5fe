#!/usr/bin/env bash
# Segments every real study under ../shared/data/real/studies with a model and scores those that
# carry a reference (BraTS 2023 metrics), printing the "Real scans" table of docs/results.md.
# The studies without a reference (robustness cases) must segment without error.
#
# Usage: bash scripts/models/evaluate-real-scans.sh [--check] [MODEL] [OUT_DIR]
#   MODEL    default: models/ganet-seg-unet.safetensors;  OUT_DIR default: /tmp/ganet-seg-real-scans
#   --check  exit 1 when the model falls below the floors set here for the shipped default model
#            (a quality regression check, run by CI on a release build).
# The references are algorithm outputs, not expert labels (../shared/data/real/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
check=0
if [[ ${1:-} == --check ]]; then check=1; shift; fi
model=${1:-models/ganet-seg-unet.safetensors}
out=${2:-/tmp/ganet-seg-real-scans}
real=${GANET_SEG_REAL_DATA:-../shared/data/real}
bin=${GANET_BIN:-.build/release/ganet-seg}

# What each referenced study is to the shipped model, and what its reference is.
declare -A role=(
  [BraTS-GLI-00001-000]="held out (never trained or tuned on)"
  [TCGA-FG-6692]="trained on (real pair and synthesis source)"
)
declare -A reference=(
  [BraTS-GLI-00001-000]="algorithm: BraTS 2023 winning model"
  [TCGA-FG-6692]="algorithm consensus: majority vote of 5 BraTS 2020 models"
)
# Floors for --check, a little below what the shipped model reaches (docs/results.md):
# study:WT Dice:TC Dice:ET Dice:most false-positive WT lesions
floors=(
  "BraTS-GLI-00001-000:0.83:0.57:0.65:1"
  "TCGA-FG-6692:0.85:0.83:0.80:1"
)

[[ -d $real/studies ]] || { echo "no real studies at $real/studies" >&2; exit 2; }
mkdir -p "$out"
rm -rf "$out/segmentations"
"$bin" segment "$real"/studies/*/ --model "$model" --output "$out/segmentations" --device cpu >"$out/segment.log" 2>&1 \
  || { cat "$out/segment.log" >&2; echo "segment failed on a real study" >&2; exit 1; }
"$bin" evaluate-set "$out/segmentations" "$real/studies" --csv "$out/cases.csv" >"$out/summary.txt"

# cases.csv: id,region,dice,hd95_mm,lesionwise_dice,lesionwise_hd95_mm,sensitivity,specificity,lesions_tp,lesions_fn,lesions_fp
echo "| study | role | reference | WT Dice | TC Dice | ET Dice | lesion-wise Dice WT / TC / ET | HD95 WT (mm) | FP lesions WT / TC / ET |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
failed=0
for id in $(cut -d, -f1 "$out/cases.csv" | tail -n +2 | sort -u); do
  row() { awk -F, -v id="$id" -v r="$1" -v c="$2" '$1 == id && $2 == r { print $c }' "$out/cases.csv"; }
  wt=$(row WT 3) tc=$(row TC 3) et=$(row ET 3)
  printf '| %s | %s | %s | %.3f | %.3f | %.3f | %.3f / %.3f / %.3f | %.1f | %.0f / %.0f / %.0f |\n' "$id" \
    "${role[$id]:-not in the split}" "${reference[$id]:-see ../shared/data/real/README.md}" "$wt" "$tc" "$et" \
    "$(row WT 5)" "$(row TC 5)" "$(row ET 5)" "$(row WT 4)" "$(row WT 11)" "$(row TC 11)" "$(row ET 11)"
  if ((check)); then
    for f in "${floors[@]}"; do
      IFS=: read -r fid fwt ftc fet ffp <<<"$f"
      [[ $fid == "$id" ]] || continue
      if ! awk -v a="$wt" -v b="$tc" -v c="$et" -v d="$(row WT 11)" -v x="$fwt" -v y="$ftc" -v z="$fet" -v w="$ffp" \
           'BEGIN { exit !(a >= x && b >= y && c >= z && d <= w) }'; then
        echo "below the floor: $id WT $wt TC $tc ET $et FP $(row WT 11); floors WT $fwt TC $ftc ET $fet FP <= $ffp" >&2
        failed=1
      fi
    done
  fi
done
if ((check)); then
  for f in "${floors[@]}"; do
    grep -q "^${f%%:*}," "$out/cases.csv" || { echo "no result for ${f%%:*}" >&2; failed=1; }
  done
  ((failed)) && exit 1
  echo "real-scan check passed: every referenced study at or above its floor, every study segmented"
fi

#!/usr/bin/env bash
# The shipped GAN (models/ganet-seg-gan.safetensors): pre-trained on normal tissue of a real patient
# and on normal phantoms, all four modalities.
#   training:   TCGA-FG-6692 outside its reference tumour + 15 mm (real), and 6 normal phantoms
#               (`synth --normal --seed 300`, studies 1-6; ICBM152 anatomy)
#   validation: BraTS-MET-00110-000 outside its AURORA reference + 15 mm (real), and normal phantom 7:
#               the discriminator's diagnostics, and the generator's L1, which picks the kept epoch;
#               the whole of BraTS-MET-00110-000 with its reference: the anomaly map's voxel AUROC per
#               epoch, logged (keeping the epoch by it instead, --select-by map-auroc, picked one whose
#               slice detection was at chance: docs/results.md)
#   never used: BraTS-GLI-00001-000 (the test study of docs/results.md, Table 1 on real scans)
# Copies of the studies go to WORKDIR, never into the repository. About 45 minutes on a 2-core machine.
# Usage: bash scripts/models/train-gan-real.sh [WORKDIR] [PRETRAIN_GAN_OPTIONS...]
set -euo pipefail
cd "$(dirname "$0")/../.."
work=${1:-/tmp/ganet-seg-gan-real-training}
shift || true
real=${GANET_SEG_REAL_DATA:-../shared/data/real}
bin=.build/release/ganet-seg
swift build -c release --product ganet-seg
rm -rf "$work/normals" "$work/val" "$work/synth"
mkdir -p "$work/normals" "$work/val"
"$bin" synth --normal --output "$work/synth" --count 8 --seed 300 --template data/icbm152 > /dev/null
for i in 1 2 3 4 5 6; do mv "$work/synth/PhantomNormal_300_00$i" "$work/normals/"; done
mv "$work/synth/PhantomNormal_300_007" "$work/val/"
cp -r "$real/studies/TCGA-FG-6692" "$work/normals/"
met=BraTS-MET-00110-000
cp -r "$real/studies/$met" "$work/val/"
cp "$real/references/$met/aurora_t1c_segmentation.nii.gz" "$work/val/$met/$met-seg.nii.gz"
# 64-pixel patches, batch 16, lr 2e-4; the discriminator every generator step at twice its rate (at the
# paper's one update per five generator steps it stays at chance on this budget: docs/results.md).
"$bin" pretrain-gan --normals "$work/normals" --validation-study "$work/val/$met" \
  --validation-study "$work/val/PhantomNormal_300_007" --validation-fraction 0 --modalities all \
  --map-validation-study "$work/val/$met" \
  --output "$work/gan.safetensors" --epochs 40 --samples-per-epoch 640 --batch-size 16 --patch-size 64 \
  --lr 2e-4 --discriminator-interval 1 --discriminator-lr-scale 2 --patience 8 --seed 11 --device cpu \
  --data-description "real normal tissue (TCGA-FG-6692 outside its tumour + 15 mm) and 6 normal phantoms" "$@"

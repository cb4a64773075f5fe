#!/usr/bin/env python3
"""What the faint-oedema rule (LabelMap.removingFaintOedema) takes from reference labels: each
reference of ../shared/data/real (the six BRATS 2013 expert labels with their FLAIR, the two
four-modality studies' algorithm references) is put through the rule at several fractions, and its
whole-tumour Dice to itself printed. The default fraction was chosen as the largest at which every
expert label keeps at least 0.97 (docs/results.md). An independent implementation of the rule, in
numpy and scipy. Development-time only: `pip install nibabel numpy scipy`.
Usage: python3 scripts/dev/faint-oedema-on-references.py [REAL_DATA_DIR]"""
import glob, sys
import numpy as np
import nibabel as nib
from scipy import ndimage

real = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/real"
fractions = [0.2, 0.25, 0.3, 0.35, 0.4]
cube = np.ones((3, 3, 3))


def load(path):
    return np.asanyarray(nib.load(path).dataobj).astype(np.float64)


def removing_faint_oedema(labels, flair, brain, fraction):
    tumour, oedema = labels > 0, labels == 2
    normal_level, oedema_level = np.median(flair[brain & ~tumour]), np.median(flair[oedema])
    faint = oedema & (flair < normal_level + fraction * (oedema_level - normal_level))
    components, _ = ndimage.label(faint, cube)
    touching = np.unique(components[ndimage.binary_dilation(~tumour, cube) & faint])
    out = labels.copy()
    out[np.isin(components, touching[touching > 0])] = 0
    return out


def dice(a, b):
    return 2 * (a & b).sum() / (a.sum() + b.sum())


cases = []
for folder in sorted(glob.glob(f"{real}/brats2013/*/")):
    brain = load(folder + "brainmask.nii.gz") > 0
    cases.append((folder.rstrip("/").split("/")[-1] + " (expert)", np.where(brain, load(folder + "OTMultiClass.nii.gz"), 0),
                  load(folder + "Flair_subtrMeanDivStd.nii.gz"), brain))
for study in ["BraTS-GLI-00001-000", "TCGA-FG-6692"]:
    files = glob.glob(f"{real}/studies/{study}/*.nii.gz")
    flair = load(next(f for f in files if f.endswith(("_flair.nii.gz", "-t2f.nii.gz"))))
    labels = load(next(f for f in files if f.endswith(("_seg.nii.gz", "-seg.nii.gz"))))
    cases.append((study + " (algorithm)", labels, flair, flair != 0))
print("reference".ljust(36) + "".join(f"{f:>8}" for f in fractions))
for name, labels, flair, brain in cases:
    row = [dice(labels > 0, removing_faint_oedema(labels, flair, brain, f) > 0) for f in fractions]
    print(name.ljust(36) + "".join(f"{d:8.3f}" for d in row))

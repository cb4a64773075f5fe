#!/usr/bin/env python3
"""Writes the NIfTI fixtures of Tests/VolumesTests with nibabel, and expected.json with the values
nibabel reads back (affine, qform, sform, spacing, scaled data), so that the Swift reader is checked
against an independent implementation. Development-time only: `pip install nibabel numpy`."""
import json, os, sys
import numpy as np
import nibabel as nib

out = sys.argv[1] if len(sys.argv) > 1 else "Tests/VolumesTests/Fixtures"
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
expected = {}

def rotation(ax, ay, az):
    cx, sx, cy, sy, cz, sz = np.cos(ax), np.sin(ax), np.cos(ay), np.sin(ay), np.cos(az), np.sin(az)
    rx = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rz = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rz @ ry @ rx

def save(name, data, dtype, qform=None, qcode=0, sform=None, scode=0, slope=None, inter=None,
         big_endian=False, zooms=None):
    hdr = nib.Nifti1Header(endianness=">" if big_endian else "<")
    img = nib.Nifti1Image(data.astype(dtype), None, hdr)
    if zooms is not None:
        img.header.set_zooms(zooms)
    if qform is not None:
        img.set_qform(qform, code=qcode)
    else:
        img.set_qform(None, code=0)
    if sform is not None:
        img.set_sform(sform, code=scode)
    else:
        img.set_sform(None, code=0)
    if slope is not None:
        img.header.set_slope_inter(slope, inter)
    # nibabel otherwise recomputes scaling on save for float->int; store the raw ints as given.
    img.header.set_data_dtype(dtype)
    path = os.path.join(out, name)
    raw = nib.Nifti1Image(data.astype(dtype), img.affine, img.header)
    raw.header.set_slope_inter(slope if slope is not None else 1.0, inter if inter is not None else 0.0)
    raw.header.set_qform(img.header.get_qform(), code=int(img.header["qform_code"]))
    raw.header.set_sform(img.header.get_sform(), code=int(img.header["sform_code"]))
    raw.to_filename(path)
    back = nib.load(path)
    scaled = np.asarray(back.dataobj, dtype=np.float64)
    expected[name] = {
        "dims": list(back.shape),
        "datatype": str(back.get_data_dtype().newbyteorder("=")) ,
        "spacing": [float(z) for z in back.header.get_zooms()[:3]],
        "qform_code": int(back.header["qform_code"]),
        "sform_code": int(back.header["sform_code"]),
        "affine": back.affine.tolist(),
        "qform": back.header.get_qform().tolist(),
        "sform": back.header.get_sform().tolist(),
        "voxels": scaled.flatten(order="F").tolist(),
    }

a = np.eye(4); a[:3, :3] = rotation(0.1, -0.2, 0.3) @ np.diag([0.9, 1.1, 2.5]); a[:3, 3] = [-90.5, 12.25, 40]
save("int16_be_qform_scaled.nii", rng.integers(-300, 300, (5, 4, 3)), np.int16, qform=a, qcode=1,
     slope=2.0, inter=-1.0, big_endian=True)
s = np.array([[0.0, -1.2, 0.1, 100], [0.95, 0.0, 0.0, -50], [0.05, 0.1, 3.0, 7.5], [0, 0, 0, 1]])
save("float64_sform.nii.gz", rng.normal(size=(4, 3, 6)), np.float64, qform=a, qcode=1, sform=s, scode=2,
     zooms=(0.95, 1.2, 3.0))
lps = np.diag([-1.0, -1.0, 1.0, 1.0]); lps[:3, 3] = [0, 239, 0]
save("uint8_lps.nii.gz", rng.integers(0, 5, (6, 5, 4)), np.uint8, qform=lps, qcode=1, sform=lps, scode=1)
save("int32.nii", rng.integers(-100000, 100000, (3, 3, 3)), np.int32, sform=a, scode=4, qform=a, qcode=1)
save("float32_be.nii.gz", rng.normal(size=(7, 2, 3)), np.float32, sform=s, scode=1, big_endian=True,
     zooms=(0.95, 1.2, 3.0))
save("uint16_nocodes.nii", rng.integers(0, 60000, (4, 4, 2)), np.uint16, zooms=(1.5, 2.0, 4.0))
save("int8.nii", rng.integers(-128, 127, (2, 3, 4)), np.int8, qform=lps, qcode=2)

with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
print("wrote", len(expected), "fixtures to", out)

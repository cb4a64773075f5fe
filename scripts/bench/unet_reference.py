"""Shared numpy pieces of scripts/bench/onnx-baseline.py and scripts/bench/torch-baseline.py: the ganet-seg U-Net
(docs/model-format.md) read from a safetensors file, its configuration, an independent float64 numpy
forward pass and its FLOP count. Development-time only; needs numpy alone.

The scripts import it as a sibling module (`python3 scripts/X.py` puts scripts/ first on sys.path).
"""
import json, platform, struct
import numpy as np

DEFAULT_ARCH = {"widths": (64, 128, 256), "bottleneck": 320, "input_channels": 4, "classes": 4}
EPS = 1e-5
BLOCKS = ("enc1", "enc2", "enc3", "bottleneck", "dec3", "dec2", "dec1")
# Resolution level (downsampling 2**level) at which each module's kernel is applied.
LEVELS = {"enc1": 0, "dec1": 0, "head": 0, "enc2": 1, "dec2": 1, "up1": 1,
          "enc3": 2, "dec3": 2, "up2": 2, "bottleneck": 3, "up3": 3}


def read_safetensors(path):
    """({name: float32 array}, metadata, {dtype names}) without the safetensors package."""
    dtypes = {"F32": "<f4", "F16": "<f2"}
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    metadata = header.pop("__metadata__", {}) or {}
    tensors, seen = {}, set()
    for name, info in header.items():
        if info["dtype"] not in dtypes:
            raise SystemExit(f"{path}: tensor {name} has unsupported dtype {info['dtype']} (F16, F32 only)")
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=dtypes[info["dtype"]])
        tensors[name] = array.reshape(info["shape"]).astype(np.float32)
        seen.add(info["dtype"])
    return tensors, metadata, seen


def architecture(metadata):
    arch = dict(DEFAULT_ARCH)
    if "widths" in metadata:
        arch["widths"] = tuple(int(w) for w in metadata["widths"].split(","))
    for key in ("bottleneck", "input_channels", "classes"):
        if key in metadata:
            arch[key] = int(metadata[key])
    if len(arch["widths"]) != 3:
        raise SystemExit(f"expected 3 widths, got {arch['widths']}")
    return arch


def parameter_shapes(arch):
    """{name: shape} of every tensor of the PyTorch-equivalent module, in state_dict order."""
    (w1, w2, w3), b, cin = arch["widths"], arch["bottleneck"], arch["input_channels"]
    channels = {"enc1": (cin, w1), "enc2": (w1, w2), "enc3": (w2, w3), "bottleneck": (w3, b),
                "dec3": (2 * w3, w3), "dec2": (2 * w2, w2), "dec1": (2 * w1, w1)}
    ups = {"up3": (b, w3), "up2": (w3, w2), "up1": (w2, w1)}
    shapes = {}
    for block in BLOCKS:
        if block in ("dec3", "dec2", "dec1"):
            up = "up" + block[-1]
            shapes[f"{up}.weight"] = (*ups[up], 2, 2)
            shapes[f"{up}.bias"] = (ups[up][1],)
        i, o = channels[block]
        for n, c_in in ((1, i), (2, o)):
            shapes[f"{block}.conv{n}.weight"] = (o, c_in, 3, 3)
            shapes[f"{block}.norm{n}.weight"] = (o,)
            shapes[f"{block}.norm{n}.bias"] = (o,)
    shapes["head.weight"] = (arch["classes"], w1, 1, 1)
    shapes["head.bias"] = (arch["classes"],)
    return shapes


def flops_per_slice(arch, height, width):
    """2 * pixels * in * out * k * k over every convolution (output pixels) and transposed
    convolution (input pixels, one kernel application each)."""
    total = 0
    for name, shape in parameter_shapes(arch).items():
        if len(shape) == 4:
            level = LEVELS[name.split(".")[0]]
            total += 2 * (height >> level) * (width >> level) * int(np.prod(shape))
    return total


def reference_forward(x, weights):
    """Independent float64 numpy implementation of the U-Net (im2col convolutions)."""
    w = {n: t.astype(np.float64) for n, t in weights.items()}

    def conv3(x, kernel):
        padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        windows = np.lib.stride_tricks.sliding_window_view(padded, (3, 3), axis=(2, 3))  # N C H W 3 3
        return np.tensordot(windows, kernel, axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)

    def norm_relu(x, scale, shift):
        mean = x.mean(axis=(2, 3), keepdims=True)
        var = x.var(axis=(2, 3), keepdims=True)
        y = (x - mean) / np.sqrt(var + EPS) * scale[None, :, None, None] + shift[None, :, None, None]
        return np.maximum(y, 0)

    def double_conv(x, block):
        for n in (1, 2):
            x = norm_relu(conv3(x, w[f"{block}.conv{n}.weight"]), w[f"{block}.norm{n}.weight"],
                          w[f"{block}.norm{n}.bias"])
        return x

    def pool(x):
        n, c, h, wd = x.shape
        return x.reshape(n, c, h // 2, 2, wd // 2, 2).max(axis=(3, 5))

    def up(x, name):
        n, _, h, wd = x.shape
        y = np.einsum("nchw,coij->nohiwj", x, w[f"{name}.weight"])  # out[2h+i, 2w+j]
        return y.reshape(n, -1, 2 * h, 2 * wd) + w[f"{name}.bias"][None, :, None, None]

    e1 = double_conv(x.astype(np.float64), "enc1")
    e2 = double_conv(pool(e1), "enc2")
    e3 = double_conv(pool(e2), "enc3")
    h = double_conv(pool(e3), "bottleneck")
    h = double_conv(np.concatenate([e3, up(h, "up3")], 1), "dec3")
    h = double_conv(np.concatenate([e2, up(h, "up2")], 1), "dec2")
    h = double_conv(np.concatenate([e1, up(h, "up1")], 1), "dec1")
    return np.einsum("nchw,oc->nohw", h, w["head.weight"][:, :, 0, 0]) + w["head.bias"][None, :, None, None]


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"

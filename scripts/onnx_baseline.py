#!/usr/bin/env python3
"""ONNX Runtime baseline for the ganet-seg segmentation U-Net (docs/model-format.md).

Why: to compare the Swift engine's inference speed with a mainstream CPU runtime on the same
machine, the same architecture, the same input size and the same number of threads. The script
builds the U-Net as an ONNX graph (opset 17) from a safetensors weights file, or from seeded random
Xavier weights for the default architecture, checks the graph against an independent float64 numpy
implementation of the network on a small input, then times `InferenceSession.run`.

Development-time only: the product never needs Python. `pip install numpy onnx onnxruntime`.

    python3 scripts/onnx_baseline.py [--weights MODEL.safetensors] [--batch 8] [--height 192]
        [--width 160] [--threads 2] [--runs 5] [--json OUT.json]

GFLOP/s uses the forward FLOP count quoted for the Swift engine, 2 * pixels * in * out * k * k
summed over every convolution (output pixels) and transposed convolution (input pixels):
32.515e9 per 192x160 slice for the default network.
"""
import argparse, json, platform, statistics, struct, time
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

DEFAULT_ARCH = {"widths": (64, 128, 256), "bottleneck": 320, "input_channels": 4, "classes": 4}
EPS = 1e-5
BLOCKS = ("enc1", "enc2", "enc3", "bottleneck", "dec3", "dec2", "dec1")
# Resolution level (downsampling 2**level) at which each module's kernel is applied.
LEVELS = {"enc1": 0, "dec1": 0, "head": 0, "enc2": 1, "dec2": 1, "up1": 1,
          "enc3": 2, "dec3": 2, "up2": 2, "bottleneck": 3, "up3": 3}


def read_safetensors(path):
    """Returns ({name: float32 array}, metadata dict) without the safetensors package."""
    dtypes = {"F32": np.float32, "F16": np.float16}
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        if info["dtype"] not in dtypes:
            raise SystemExit(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=np.dtype(dtypes[info["dtype"]]).newbyteorder("<"))
        tensors[name] = array.reshape(info["shape"]).astype(np.float32)
    return tensors, metadata


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


def random_weights(arch, seed=0):
    """Xavier-uniform convolution kernels; norm scales around 1 and small shifts and biases, so
    that the reference check exercises every parameter."""
    rng = np.random.default_rng(seed)
    weights = {}
    for name, shape in parameter_shapes(arch).items():
        if len(shape) == 4:
            receptive = shape[2] * shape[3]
            limit = np.sqrt(6.0 / ((shape[0] + shape[1]) * receptive))
            weights[name] = rng.uniform(-limit, limit, shape)
        elif ".norm" in name and name.endswith(".weight"):
            weights[name] = rng.uniform(0.5, 1.5, shape)
        else:
            weights[name] = rng.uniform(-0.1, 0.1, shape)
        weights[name] = weights[name].astype(np.float32)
    return weights


def check_weights(weights, arch):
    expected = parameter_shapes(arch)
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    wrong = [f"{n}: {weights[n].shape} != {s}" for n, s in expected.items()
             if n in weights and tuple(weights[n].shape) != s]
    if missing or unexpected or wrong:
        raise SystemExit(f"weights do not match the U-Net {arch}: missing {missing}, "
                         f"unexpected {unexpected}, wrong shapes {wrong}")


def flops_per_slice(arch, height, width):
    """2 * pixels * in * out * k * k over every convolution (output pixels) and transposed
    convolution (input pixels, one kernel application each)."""
    total = 0
    for name, shape in parameter_shapes(arch).items():
        if len(shape) == 4:
            level = LEVELS[name.split(".")[0]]
            total += 2 * (height >> level) * (width >> level) * int(np.prod(shape))
    return total


def build_onnx(weights, arch):
    """The U-Net as an ONNX graph (batch, height and width symbolic), weights as initializers."""
    nodes = []

    def node(op, inputs, **attrs):
        output = f"t{len(nodes)}_{op}"
        nodes.append(helper.make_node(op, inputs, [output], **attrs))
        return output

    def double_conv(x, block):
        for n in (1, 2):
            x = node("Conv", [x, f"{block}.conv{n}.weight"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
            x = node("InstanceNormalization", [x, f"{block}.norm{n}.weight", f"{block}.norm{n}.bias"],
                     epsilon=EPS)
            x = node("Relu", [x])
        return x

    def pool(x):
        return node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])

    def up_cat(x, skip, up):
        x = node("ConvTranspose", [x, f"{up}.weight", f"{up}.bias"], kernel_shape=[2, 2], strides=[2, 2])
        return node("Concat", [skip, x], axis=1)

    e1 = double_conv("input", "enc1")
    e2 = double_conv(pool(e1), "enc2")
    e3 = double_conv(pool(e2), "enc3")
    h = double_conv(pool(e3), "bottleneck")
    h = double_conv(up_cat(h, e3, "up3"), "dec3")
    h = double_conv(up_cat(h, e2, "up2"), "dec2")
    h = double_conv(up_cat(h, e1, "up1"), "dec1")
    nodes.append(helper.make_node("Conv", [h, "head.weight", "head.bias"], ["logits"], kernel_shape=[1, 1]))

    graph = helper.make_graph(
        nodes, "ganet-seg-unet",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", arch["input_channels"], "H", "W"])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", arch["classes"], "H", "W"])],
        [numpy_helper.from_array(weights[n], n) for n in parameter_shapes(arch)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], ir_version=8)
    onnx.checker.check_model(model)
    return model


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", help="safetensors file; default: seeded random default U-Net")
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--height", type=int, default=192)
    parser.add_argument("--width", type=int, default=160)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", help="write the results to this file")
    args = parser.parse_args()
    if args.height % 8 or args.width % 8:
        parser.error("height and width must be multiples of 8")
    if min(args.batch, args.threads, args.runs) < 1:
        parser.error("batch, threads and runs must be positive")

    if args.weights:
        weights, metadata = read_safetensors(args.weights)
        arch = architecture(metadata)
        source = args.weights
    else:
        arch = dict(DEFAULT_ARCH)
        weights = random_weights(arch)
        source = "random Xavier weights (seed 0)"
    check_weights(weights, arch)
    parameters = sum(t.size for t in weights.values())

    options = ort.SessionOptions()
    options.intra_op_num_threads = args.threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(build_onnx(weights, arch).SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])

    print(f"onnxruntime {ort.__version__}, CPU {cpu_model()}, {args.threads} intra-op threads")
    print(f"U-Net widths {arch['widths']}, bottleneck {arch['bottleneck']}, "
          f"{arch['input_channels']} in / {arch['classes']} classes, {parameters:,} parameters ({source})")

    rng = np.random.default_rng(1)
    probe = rng.standard_normal((1, arch["input_channels"], 32, 32)).astype(np.float32)
    (onnx_out,) = session.run(None, {"input": probe})
    expected = reference_forward(probe, weights)
    max_abs_diff = float(np.abs(onnx_out - expected).max())
    relative = max_abs_diff / float(np.abs(expected).max())
    print(f"reference check (1x{arch['input_channels']}x32x32, float64 numpy): "
          f"max abs diff {max_abs_diff:.3e}, relative to max |logit| {relative:.3e}")
    if not relative <= 1e-3:
        raise SystemExit(f"FAIL: ONNX graph disagrees with the numpy reference "
                         f"(relative {relative:.3e} > 1e-3)")

    x = rng.standard_normal((args.batch, arch["input_channels"], args.height, args.width)).astype(np.float32)
    session.run(None, {"input": x})  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        session.run(None, {"input": x})
        times.append(time.perf_counter() - start)
    median, fastest = statistics.median(times), min(times)
    flops = flops_per_slice(arch, args.height, args.width)
    per_slice = median / args.batch
    gflops = flops / per_slice / 1e9
    print(f"FLOPs per {args.height}x{args.width} slice: {flops:,} ({flops / 1e9:.3f} GFLOP)")
    print(f"batch {args.batch}, {args.runs} runs: median {median:.4f} s, min {fastest:.4f} s per batch; "
          f"{per_slice * 1e3:.2f} ms per slice (median); {gflops:.1f} GFLOP/s")

    if args.json:
        with open(args.json, "w") as f:
            json.dump({"onnxruntime": ort.__version__, "batch": args.batch, "height": args.height,
                       "width": args.width, "threads": args.threads,
                       "seconds_per_batch_median": median, "seconds_per_batch_min": fastest,
                       "seconds_per_slice": per_slice, "gflops_per_second": gflops,
                       "flops_per_slice": flops, "max_abs_diff_reference": max_abs_diff}, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""ONNX Runtime baseline for the ganet-seg segmentation U-Net (docs/model-format.md).

Why: to compare the Swift engine's inference speed with a mainstream CPU runtime on the same
machine, the same architecture, the same input size and the same number of threads. The script
builds the U-Net as an ONNX graph (opset 17) from a safetensors weights file, or from seeded random
Xavier weights for the default architecture, checks the graph against an independent float64 numpy
implementation of the network on a small input, then times `InferenceSession.run`. The safetensors
reader, that reference and the FLOP count live in scripts/bench/unet_reference.py (numpy only).

Development-time only: the product never needs Python. `pip install numpy onnx onnxruntime`.

    python3 scripts/bench/onnx-baseline.py [--weights MODEL.safetensors] [--batch 8] [--height 192]
        [--width 160] [--threads 2] [--runs 5] [--json OUT.json]

GFLOP/s uses the forward FLOP count quoted for the Swift engine, 2 * pixels * in * out * k * k
summed over every convolution (output pixels) and transposed convolution (input pixels):
32.515e9 per 192x160 slice for the default network.
"""
import argparse, json, statistics, time
import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from unet_reference import (DEFAULT_ARCH, EPS, architecture, cpu_model, flops_per_slice, parameter_shapes,
                            read_safetensors, reference_forward)


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
        weights, metadata, _ = read_safetensors(args.weights)
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

#!/usr/bin/env python3
"""PyTorch (cuDNN) baseline for the ganet-seg segmentation U-Net (docs/model-format.md).

Why: to put the Vulkan backend's GPU figures beside a mainstream GPU runtime on the same card, with
the same network, the same weights, the same slice size and batch. The script reads a safetensors
file (F16 or F32) without the safetensors package, builds the U-Net as the PyTorch module of
docs/model-format.md and loads the tensors with load_state_dict(strict=True), checks it against an
independent float64 numpy implementation on a small input (and, on CUDA, every precision against a
float64 forward of one full-size slice), then times the forward with cudnn.benchmark=True: warm-up
runs, then the median of --runs timed batches (CUDA events).

Precisions: fp32 (true float32: TF32 off), tf32 (PyTorch's default for convolutions: float32
tensors, TF32 tensor-core arithmetic), fp16 (model.half()). Memory formats: nchw, nhwc (channels_last).
Development-time only: needs numpy and torch. Without CUDA it says so and exits 2; --device cpu is a
smoke test.

    python3 scripts/bench/torch-baseline.py --weights models/ganet-seg-unet.safetensors [--batch 8 32]
        [--height 176] [--width 144] [--dtype fp32 tf32 fp16] [--memory-format nchw nhwc]
        [--runs 20] [--warmup 5] [--device cuda|cpu] [--threads N] [--json OUT.json]

TFLOP/s uses the FLOP count of scripts/bench/onnx-baseline.py and the Swift engine: 2 * pixels * in * out
* k * k over every convolution (output pixels) and transposed convolution (input pixels). The reader,
the numpy reference and the FLOP count are shared with it in scripts/bench/unet_reference.py.
"""
import argparse, copy, json, platform, statistics, subprocess, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from unet_reference import EPS, architecture, cpu_model, flops_per_slice, read_safetensors, reference_forward

# Limits on ||out - ref|| / ||ref|| against float64: float32 lands far under 1e-3, TF32 near 3e-4,
# half precision around 1e-3..1e-2 (with margin for the depth of the network).
TOLERANCE = {"fp32": 1e-3, "tf32": 2e-2, "fp16": 5e-2}


class DoubleConv(nn.Module):  # conv1, norm1, conv2, norm2; ReLU after each norm
    def __init__(s, i, o):
        super().__init__()
        s.conv1 = nn.Conv2d(i, o, 3, padding=1, bias=False); s.norm1 = nn.InstanceNorm2d(o, affine=True, eps=EPS)
        s.conv2 = nn.Conv2d(o, o, 3, padding=1, bias=False); s.norm2 = nn.InstanceNorm2d(o, affine=True, eps=EPS)

    def forward(s, x):
        return F.relu(s.norm2(s.conv2(F.relu(s.norm1(s.conv1(x))))))


class UNet(nn.Module):  # exactly docs/model-format.md
    def __init__(s, w=(64, 128, 256), b=320, cin=4, classes=4):
        super().__init__()
        s.enc1, s.enc2, s.enc3 = DoubleConv(cin, w[0]), DoubleConv(w[0], w[1]), DoubleConv(w[1], w[2])
        s.bottleneck = DoubleConv(w[2], b)
        s.up3, s.dec3 = nn.ConvTranspose2d(b, w[2], 2, 2), DoubleConv(2 * w[2], w[2])
        s.up2, s.dec2 = nn.ConvTranspose2d(w[2], w[1], 2, 2), DoubleConv(2 * w[1], w[1])
        s.up1, s.dec1 = nn.ConvTranspose2d(w[1], w[0], 2, 2), DoubleConv(2 * w[0], w[0])
        s.head = nn.Conv2d(w[0], classes, 1)

    def forward(s, x):
        e1 = s.enc1(x); e2 = s.enc2(F.max_pool2d(e1, 2)); e3 = s.enc3(F.max_pool2d(e2, 2))
        h = s.bottleneck(F.max_pool2d(e3, 2))
        h = s.dec3(torch.cat([e3, s.up3(h)], 1))  # skip first, then the upsampled path
        h = s.dec2(torch.cat([e2, s.up2(h)], 1))
        h = s.dec1(torch.cat([e1, s.up1(h)], 1))
        return s.head(h)


def compare(out, ref):
    """(||out - ref|| / ||ref||, fraction of pixels whose argmax class agrees), NaN-safe."""
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    if not np.isfinite(out).all():
        return float("inf"), 0.0
    rel = float(np.linalg.norm(out - ref) / np.linalg.norm(ref))
    return rel, float((out.argmax(1) == ref.argmax(1)).mean())


def environment(device):
    env = {"torch": torch.__version__, "python": platform.python_version(), "cpu": cpu_model()}
    if device == "cuda":
        p = torch.cuda.get_device_properties(0)
        env.update(gpu=torch.cuda.get_device_name(0), capability=f"{p.major}.{p.minor}",
                   multiprocessors=p.multi_processor_count, gpu_memory_gib=round(p.total_memory / 2**30, 1),
                   cuda=torch.version.cuda, cudnn=torch.backends.cudnn.version(), driver=driver_version())
    return env


def driver_version():
    try:
        return subprocess.run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"],
                              capture_output=True, text=True, timeout=30).stdout.split("\n")[0].strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        try:
            with open("/proc/driver/nvidia/version") as f:
                return f.readline().strip()
        except OSError:
            return "unknown"


def configure(dtype):
    """TF32 on only for 'tf32' (PyTorch enables it for cuDNN convolutions by default)."""
    torch.backends.cudnn.allow_tf32 = dtype == "tf32"
    torch.backends.cuda.matmul.allow_tf32 = dtype == "tf32"


def place(model, x, device, dtype, memory_format):
    fmt = torch.channels_last if memory_format == "nhwc" else torch.contiguous_format
    m = copy.deepcopy(model).to(device=device, memory_format=fmt)
    x = x.to(device=device).contiguous(memory_format=fmt)
    return (m.half(), x.half()) if dtype == "fp16" else (m, x)


def time_forward(model, x, device, warmup, runs):
    """Seconds per batch of each timed run (CUDA events on the GPU, perf_counter on the CPU)."""
    times = []
    with torch.inference_mode():
        for _ in range(warmup):
            model(x)
        if device == "cuda":
            torch.cuda.synchronize()
        for _ in range(runs):
            if device == "cuda":
                start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
                start.record(); model(x); end.record(); end.synchronize()
                times.append(start.elapsed_time(end) / 1e3)
            else:
                t = time.perf_counter(); model(x); times.append(time.perf_counter() - t)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True, help="safetensors file (F16 or F32)")
    parser.add_argument("--batch", type=int, nargs="+", default=[8], help="one or more batch sizes")
    parser.add_argument("--height", type=int, default=176)
    parser.add_argument("--width", type=int, default=144)
    parser.add_argument("--dtype", nargs="+", choices=["fp32", "tf32", "fp16"],
                        help="default: fp32 tf32 fp16 on cuda, fp32 on cpu")
    parser.add_argument("--memory-format", nargs="+", choices=["nchw", "nhwc"], default=["nchw"])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (cuDNN autotuning included)")
    parser.add_argument("--device", choices=["cuda", "cpu"], default="cuda")
    parser.add_argument("--threads", type=int, help="CPU threads (torch.set_num_threads)")
    parser.add_argument("--json", help="write the figures to this file")
    args = parser.parse_args()
    if args.height % 8 or args.width % 8:
        parser.error("height and width must be multiples of 8")
    if min(args.batch + [args.runs, args.warmup + 1]) < 1:
        parser.error("batch and runs must be positive, warmup not negative")
    if args.device == "cuda" and not torch.cuda.is_available():
        print(f"FAIL: no CUDA device: torch {torch.__version__} (CUDA build: {torch.version.cuda}) reports "
              f"torch.cuda.is_available() == False. This baseline is meant for a GPU machine; use "
              f"--device cpu for a smoke test.", file=sys.stderr)
        sys.exit(2)
    if args.threads:
        torch.set_num_threads(args.threads)
    dtypes = args.dtype or (["fp32", "tf32", "fp16"] if args.device == "cuda" else ["fp32"])
    torch.backends.cudnn.benchmark = True

    weights, metadata, file_dtypes = read_safetensors(args.weights)
    arch = architecture(metadata)
    model = UNet(arch["widths"], arch["bottleneck"], arch["input_channels"], arch["classes"]).eval()
    model.load_state_dict({n: torch.from_numpy(t) for n, t in weights.items()}, strict=True)
    parameters = sum(p.numel() for p in model.parameters())
    flops = flops_per_slice(arch, args.height, args.width)

    env = environment(args.device)
    print(", ".join(f"{k} {v}" for k, v in env.items()))
    print(f"U-Net widths {arch['widths']}, bottleneck {arch['bottleneck']}, {arch['input_channels']} in / "
          f"{arch['classes']} classes, {parameters:,} parameters, load_state_dict(strict=True) OK "
          f"({args.weights}, {'/'.join(sorted(file_dtypes))})")
    print(f"FLOPs per {args.height} x {args.width} slice (H x W): {flops:,} ({flops / 1e9:.2f} GFLOP)")

    checks, failed = [], False
    rng = np.random.default_rng(1)
    probe = rng.standard_normal((1, arch["input_channels"], 32, 32)).astype(np.float32)
    expected = reference_forward(probe, weights)
    with torch.inference_mode():
        rel, agree = compare(model(torch.from_numpy(probe)).numpy(), expected)
    checks.append({"what": "cpu fp32 vs float64 numpy, 1x4x32x32", "relative_l2": rel, "argmax_agreement": agree,
                   "limit": TOLERANCE["fp32"]})

    x = torch.from_numpy(rng.standard_normal((max(args.batch), arch["input_channels"], args.height, args.width),
                                             dtype=np.float32))
    if args.device == "cuda":  # every precision against float64, on the probe and on one full-size slice
        with torch.inference_mode():
            full_ref = copy.deepcopy(model).double()(x[:1].double()).numpy()
        for dtype in dtypes:
            configure(dtype)
            for name, inp, ref in (("1x4x32x32", torch.from_numpy(probe), expected), (f"1x4x{args.height}x{args.width}", x[:1], full_ref)):
                m, xi = place(model, inp, "cuda", dtype, "nchw")
                with torch.inference_mode():
                    rel, agree = compare(m(xi).float().cpu().numpy(), ref)
                checks.append({"what": f"cuda {dtype} vs float64, {name}", "relative_l2": rel,
                               "argmax_agreement": agree, "limit": TOLERANCE[dtype]})
                del m, xi
    for c in checks:
        c["passed"] = c["relative_l2"] <= c["limit"]
        failed |= not c["passed"]
        print(f"check {c['what']}: relative L2 error {c['relative_l2']:.2e} (limit {c['limit']:.0e}), "
              f"argmax agreement {100 * c['argmax_agreement']:.2f}%{'' if c['passed'] else '  FAILED'}")

    results = []
    for fmt in args.memory_format:
        for dtype in dtypes:
            configure(dtype)
            for batch in args.batch:
                m, xb = place(model, x[:batch], args.device, dtype, fmt)
                times = time_forward(m, xb, args.device, args.warmup, args.runs)
                median = statistics.median(times)
                r = {"dtype": dtype, "memory_format": fmt, "batch": batch, "ms_per_batch_median": median * 1e3,
                     "ms_per_batch_min": min(times) * 1e3, "ms_per_slice": median * 1e3 / batch,
                     "tflops_per_second": flops * batch / median / 1e12}
                results.append(r)
                print(f"{dtype:4} {fmt} batch {batch:3}: {r['ms_per_batch_median']:9.3f} ms/batch (median of "
                      f"{args.runs}, min {r['ms_per_batch_min']:.3f}), {r['ms_per_slice']:8.3f} ms/slice, "
                      f"{r['tflops_per_second']:7.2f} TFLOP/s", flush=True)
                del m, xb
                if args.device == "cuda":
                    torch.cuda.empty_cache()

    print(f"\nPyTorch {torch.__version__} on {env.get('gpu', 'CPU ' + env['cpu'])}"
          + (f", driver {env['driver']}, CUDA {env['cuda']}, cuDNN {env['cudnn']}" if args.device == "cuda" else "")
          + f"; {args.height} x {args.width} slices (H x W), {flops / 1e9:.2f} GFLOP/slice")
    print("| precision | layout | batch | ms/batch | ms/slice | TFLOP/s |\n| --- | --- | --- | --- | --- | --- |")
    for r in results:
        print(f"| {r['dtype']} | {r['memory_format']} | {r['batch']} | {r['ms_per_batch_median']:.3f} | "
              f"{r['ms_per_slice']:.3f} | {r['tflops_per_second']:.2f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"environment": env, "weights": args.weights, "height": args.height, "width": args.width,
                       "flops_per_slice": flops, "runs": args.runs, "warmup": args.warmup,
                       "checks": checks, "results": results}, f, indent=2)
            f.write("\n")
    if failed:
        print("FAIL: a check against the float64 reference exceeded its limit (see above)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()

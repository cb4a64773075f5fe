import Compute
import Networks
import Testing
import VulkanBackend

/// Forward convolutions on fp16 operands packed by `pack_half.comp` (`packsHalfOperands`; on
/// tensor cores the default): here `conv_tiled_packed`, whose loads, staging and column bookkeeping
/// `conv_coopmat_packed` shares. The CPU reference convolves the same operands rounded to fp16, whose
/// products are exact in Float32, so only the order of the sums differs and OpTests' tolerances hold.
@Suite(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
struct PackedOperandTests {
    let gpu: VulkanBackend
    init() throws { gpu = try VulkanBackend(device: try vulkan().device, packsHalfOperands: true) }

    struct Case: CustomTestStringConvertible, Sendable {
        let parts: [Int], batch: Int, height: Int, width: Int, out: Int, kernel: Int, stride: Int, pad: Int
        var testDescription: String { "\(parts) x \(batch)x\(height)x\(width) -> \(out) k\(kernel) s\(stride) p\(pad)" }
    }

    /// 8 channels: a K step spans several taps and K (72) ends inside one; 70 outputs: two row
    /// tiles; 270 columns: column tiles that cross samples; 12 + 20 channels: a word of 8 channels
    /// that straddles the two parts of a concatenation.
    @Test(arguments: [
        Case(parts: [8], batch: 2, height: 7, width: 6, out: 5, kernel: 3, stride: 1, pad: 1),
        Case(parts: [16], batch: 2, height: 9, width: 11, out: 70, kernel: 3, stride: 2, pad: 1),
        Case(parts: [64], batch: 3, height: 10, width: 9, out: 4, kernel: 1, stride: 1, pad: 0),
        Case(parts: [12, 20], batch: 2, height: 8, width: 7, out: 6, kernel: 3, stride: 1, pad: 1),
    ])
    func convolution(_ t: Case) {
        let geometry = ConvGeometry(stride: t.stride, padding: t.pad)
        let parts = t.parts.enumerated().map { k, c in
            halfPair(Shape(t.batch, c, t.height, t.width), seed: 50 + UInt64(k), on: gpu)
        }
        let w = halfPair(Shape(t.out, t.parts.reduce(0, +), t.kernel, t.kernel), seed: 60, on: gpu)
        let b = randomPair(Shape(1, t.out, 1, 1), seed: 61, on: gpu)
        let y = cpu.conv2d(cpu.concatChannels(parts.map(\.cpu)), weight: w.cpu, bias: b.cpu, geometry: geometry)
        expectAgree(gpu.conv2d(concatenating: parts.map(\.gpu), weight: w.gpu, bias: b.gpu, geometry: geometry), y,
                    on: gpu, rtol: 1e-4, atol: 3e-4)
    }

    /// Channels that are no multiple of 8 (the U-Net's 4 modalities) keep the fp32 gather: full
    /// precision, against unrounded operands.
    @Test func otherChannelCountsAreNotPacked() {
        let geometry = ConvGeometry(stride: 1, padding: 1)
        let x = randomPair(Shape(2, 4, 7, 6), seed: 62, on: gpu)
        let w = randomPair(Shape(5, 4, 3, 3), seed: 63, on: gpu)
        expectAgree(gpu.conv2d(x.gpu, weight: w.gpu, bias: nil, geometry: geometry),
                    cpu.conv2d(x.cpu, weight: w.cpu, bias: nil, geometry: geometry), on: gpu, rtol: 1e-4, atol: 3e-4)
    }

    /// A backend of its own, so that no other test's commands enter its profile: the packing and
    /// the packed kernel are what runs, and a weight is packed once for two passes.
    @Test func packedKernelsRun() throws {
        let gpu = try VulkanBackend(device: try vulkan().device, packsHalfOperands: true)
        try gpu.startProfiling()
        let x = gpu.upload(randomValues(2 * 8 * 5 * 4, seed: 64), shape: Shape(2, 8, 5, 4))
        let w = gpu.upload(randomValues(3 * 8 * 3 * 3, seed: 65), shape: Shape(3, 8, 3, 3))
        let geometry = ConvGeometry(stride: 1, padding: 1)
        for _ in 0..<2 { _ = gpu.download(gpu.conv2d(x, weight: w, bias: nil, geometry: geometry)) }
        let times = try gpu.kernelTimes()
        let kernel = gpu.tensorCores ? "conv_coopmat_packed" : "conv_tiled_packed"
        #expect(times.first { $0.label == "\(kernel) 0,0 M=3 N=40 K=72" }?.count == 2, "\(times.map(\.label))")
        #expect(times.first { $0.label == "pack_half" }?.count == 3, "the input twice, the weight once")
    }

    /// A small U-Net whose widths are multiples of 8, so that every convolution but the first is
    /// packed: its activations are rounded to fp16 a dozen times, so the logits agree to about 1e-2
    /// and the classes of nearly every pixel.
    @Test func unetForward() {
        let shape = Shape(2, 4, 16, 16)
        let values = randomValues(shape.count, seed: 66)
        let configuration = UNetConfiguration(inputChannels: 4, classes: 4, widths: [8, 16], bottleneck: 16)
        func logits(_ backend: any Backend) -> [Float] {
            let g = Graph(backend: backend, recording: false)
            let x = g.constant(backend.upload(values, shape: shape))
            return backend.download(UNet(configuration, backend: backend, seed: 5)(g, x).value)
        }
        let packed = logits(gpu), reference = logits(cpu)
        let scale = reference.map(Swift.abs).max() ?? 1
        let error = zip(packed, reference).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(error <= 1e-2 * scale, "largest difference \(error), largest logit \(scale)")
    }
}

/// Values rounded to fp16 (as `pack_half.comp` rounds them: to nearest, ties to even) on both backends.
private func halfPair(_ shape: Shape, seed: UInt64, on gpu: VulkanBackend) -> Pair {
    pair(randomValues(shape.count, seed: seed).map { Float(Float16($0)) }, shape, on: gpu)
}

import Compute
import Networks
import Testing
import TestSupport
import VulkanBackend

/// Convolution products on fp16 operands packed by `pack_half.comp` (`packsHalfOperands`; on
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
    /// that straddles the two parts of a concatenation; 4, 12 and 4 + 6 channels: a last word
    /// padded with zeros (the U-Net's 4 modalities); 72 channels of 2 x 63 pixels: `pack_half`
    /// tiles of 8 words and of 1, each plane's last tile of pixels partial; 8 + 12 channels: three
    /// words in tiles of four.
    @Test(arguments: [
        Case(parts: [8], batch: 2, height: 7, width: 6, out: 5, kernel: 3, stride: 1, pad: 1),
        Case(parts: [16], batch: 2, height: 9, width: 11, out: 70, kernel: 3, stride: 2, pad: 1),
        Case(parts: [64], batch: 3, height: 10, width: 9, out: 4, kernel: 1, stride: 1, pad: 0),
        Case(parts: [12, 20], batch: 2, height: 8, width: 7, out: 6, kernel: 3, stride: 1, pad: 1),
        Case(parts: [4], batch: 2, height: 7, width: 6, out: 5, kernel: 3, stride: 1, pad: 1),
        Case(parts: [12], batch: 1, height: 6, width: 5, out: 3, kernel: 3, stride: 1, pad: 0),
        Case(parts: [4, 6], batch: 2, height: 5, width: 6, out: 7, kernel: 3, stride: 1, pad: 1),
        Case(parts: [72], batch: 2, height: 9, width: 7, out: 9, kernel: 1, stride: 1, pad: 0),
        Case(parts: [8, 12], batch: 3, height: 6, width: 7, out: 5, kernel: 3, stride: 1, pad: 1),
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

    /// The 2x2 stride-2 upsampling (MODE 1: a 1x1 product per tap) from 16 channels and from 12
    /// (padded to 16), to 70 channels (two row tiles) and to 5, over 2 x 9 x 8 pixels of dy.
    @Test(arguments: [(16, 70), (12, 5)])
    func transposedConvolution(channels: Int, out: Int) {
        let geometry = ConvGeometry(stride: 2, padding: 0)
        let x = halfPair(Shape(2, channels, 9, 8), seed: 67, on: gpu)
        let w = halfPair(Shape(channels, out, 2, 2), seed: 68, on: gpu)
        let b = randomPair(Shape(1, out, 1, 1), seed: 69, on: gpu)
        expectAgree(gpu.convTranspose2d(x.gpu, weight: w.gpu, bias: b.gpu, geometry: geometry),
                    cpu.convTranspose2d(x.cpu, weight: w.cpu, bias: b.cpu, geometry: geometry),
                    on: gpu, rtol: 1e-4, atol: 3e-4)
        // The input gradient of a 2x2 stride-2 convolution is the same product.
        let input = Shape(2, out, 18, 16)
        expectAgree(gpu.conv2dBackwardInput(x.gpu, weight: w.gpu, inputShape: input, geometry: geometry),
                    cpu.conv2dBackwardInput(x.cpu, weight: w.cpu, inputShape: input, geometry: geometry),
                    on: gpu, rtol: 1e-4, atol: 3e-4)
    }

    /// A backend of its own, so that no other test's commands enter its profile: the packing and
    /// the packed kernel are what runs, for the convolution (4 channels, padded to 8: K = 72) and
    /// the upsampling, and each weight is packed once for two passes.
    @Test func packedKernelsRun() throws {
        let gpu = try VulkanBackend(device: try vulkan().device, packsHalfOperands: true)
        try gpu.startProfiling()
        let x = gpu.upload(randomValues(2 * 4 * 5 * 4, seed: 64), shape: Shape(2, 4, 5, 4))
        let w = gpu.upload(randomValues(3 * 4 * 3 * 3, seed: 65), shape: Shape(3, 4, 3, 3))
        let up = gpu.upload(randomValues(3 * 2 * 2 * 2, seed: 70), shape: Shape(3, 2, 2, 2))
        for _ in 0..<2 {
            let y = gpu.conv2d(x, weight: w, bias: nil, geometry: ConvGeometry(stride: 1, padding: 1))
            _ = gpu.download(gpu.convTranspose2d(y, weight: up, bias: nil, geometry: ConvGeometry(stride: 2, padding: 0)))
        }
        let times = try gpu.kernelTimes()
        let kernel = gpu.tensorCores ? "conv_coopmat_packed" : "conv_tiled_packed"
        #expect(times.first { $0.label == "\(kernel) 0,0 M=3 N=40 K=72" }?.count == 2, "\(times.map(\.label))")
        // K counts the 4 taps of 3 channels padded to 8.
        #expect(times.first { $0.label == "\(kernel) 1,0 M=2 N=40 K=32" }?.count == 2, "\(times.map(\.label))")
        #expect(times.first { $0.label == "pack_half" }?.count == 6, "two inputs twice, two weights once")
    }

    /// A small U-Net, every convolution and upsampling packed: its activations are rounded to fp16
    /// a dozen times, so the logits agree to about 1e-2 and the classes of nearly every pixel.
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

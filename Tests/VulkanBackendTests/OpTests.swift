@testable import Compute  // AdamStep's memberwise initialiser
import Testing
import VulkanBackend

/// Every op on the Vulkan device against the CPU backend, on small shapes (lavapipe runs the
/// shaders on the CPU, slowly). Tolerances: exact where no arithmetic is reordered (copies, max
/// pooling, element-wise add/sub/mul/div); 1e-5 relative for transcendental functions (the
/// shaders' exp/log/tanh differ from glibc's by a few ulps); 1e-4 for sums, convolutions and
/// normalisation, whose terms are added in another order (and in Float32 on the device, where
/// the CPU sums some in Float64).
@Suite(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
struct OpTests {
    let gpu: VulkanBackend
    init() throws { gpu = try vulkan() }

    @Test func devicesAreListed() throws {
        let devices = try VulkanDevice.list()
        #expect(devices.contains(gpu.device))
        #expect(VulkanDevice.preferred(among: devices)?.kind != .cpu, "CPU-type devices only on request")
    }

    @Test func memoryOps() {
        let values = randomValues(70, seed: 1)
        let x = gpu.upload(values, shape: Shape(2, 5, 7, 1))
        #expect(gpu.download(x) == values)
        #expect(gpu.download(gpu.full(Shape(1, 3, 3, 3), value: -2.5)) == [Float](repeating: -2.5, count: 27))
        #expect(gpu.scalar(gpu.upload([4], shape: .scalar)) == 4)
    }

    struct ConvCase: CustomTestStringConvertible, Sendable {
        let input: Shape, out: Int, kernel: Int, stride: Int, pad: Int
        var testDescription: String { "\(input) -> \(out) k\(kernel) s\(stride) p\(pad)" }
    }

    /// Forward with bias, and both gradients; the last case's weight gradient reduces over 1152
    /// pixels, split across workgroups. The CPU computes stride-1 3x3 convolutions (forward and
    /// input gradient) by Winograd, whose rounding grows with the largest output, not each one.
    @Test(arguments: [
        ConvCase(input: Shape(2, 3, 7, 6), out: 4, kernel: 3, stride: 1, pad: 1),
        ConvCase(input: Shape(2, 5, 6, 5), out: 3, kernel: 1, stride: 1, pad: 0),
        ConvCase(input: Shape(2, 3, 8, 6), out: 2, kernel: 4, stride: 2, pad: 1),
        ConvCase(input: Shape(1, 2, 9, 7), out: 3, kernel: 3, stride: 2, pad: 0),
        ConvCase(input: Shape(2, 70, 24, 24), out: 66, kernel: 3, stride: 1, pad: 1),
    ])
    func conv2d(_ t: ConvCase) {
        let geometry = ConvGeometry(stride: t.stride, padding: t.pad)
        let x = randomPair(t.input, seed: 2, on: gpu)
        let w = randomPair(Shape(t.out, t.input.c, t.kernel, t.kernel), seed: 3, on: gpu)
        let b = randomPair(Shape(1, t.out, 1, 1), seed: 4, on: gpu)
        let y = cpu.conv2d(x.cpu, weight: w.cpu, bias: b.cpu, geometry: geometry)
        expectAgree(gpu.conv2d(x.gpu, weight: w.gpu, bias: b.gpu, geometry: geometry), y, on: gpu, rtol: 1e-4, atol: 3e-4, "forward")
        let dy = randomPair(y.shape, seed: 5, on: gpu)
        expectAgree(gpu.conv2dBackwardInput(dy.gpu, weight: w.gpu, inputShape: t.input, geometry: geometry),
                    cpu.conv2dBackwardInput(dy.cpu, weight: w.cpu, inputShape: t.input, geometry: geometry),
                    on: gpu, rtol: 1e-4, atol: 3e-4, "input gradient")
        expectAgree(gpu.conv2dBackwardWeight(dy.gpu, input: x.gpu, weightShape: w.shape, geometry: geometry),
                    cpu.conv2dBackwardWeight(dy.cpu, input: x.cpu, weightShape: w.shape, geometry: geometry),
                    on: gpu, rtol: 1e-4, atol: 1e-3, "weight gradient")
    }

    /// The convolution of a channel concatenation: two parts read in place (of unequal channel
    /// counts, over two samples, so each part's sample stride differs), three through a copy.
    @Test(arguments: [[3, 5], [4, 1, 2]])
    func conv2dOfConcatenation(_ channels: [Int]) {
        let geometry = ConvGeometry(stride: 1, padding: 1)
        let parts = channels.enumerated().map { k, c in randomPair(Shape(2, c, 7, 6), seed: 20 + UInt64(k), on: gpu) }
        let w = randomPair(Shape(4, channels.reduce(0, +), 3, 3), seed: 3, on: gpu)
        let b = randomPair(Shape(1, 4, 1, 1), seed: 4, on: gpu)
        let y = cpu.conv2d(cpu.concatChannels(parts.map(\.cpu)), weight: w.cpu, bias: b.cpu, geometry: geometry)
        expectAgree(gpu.conv2d(concatenating: parts.map(\.gpu), weight: w.gpu, bias: b.gpu, geometry: geometry), y,
                    on: gpu, rtol: 1e-4, atol: 3e-4, "forward")
    }

    @Test(arguments: [(2, 0, 2), (3, 1, 2), (4, 1, 2), (3, 1, 1)])
    func convTranspose2d(kernel: Int, pad: Int, stride: Int) {
        let geometry = ConvGeometry(stride: stride, padding: pad)
        let x = randomPair(Shape(2, 3, 4, 5), seed: 6, on: gpu)
        let w = randomPair(Shape(3, 2, kernel, kernel), seed: 7, on: gpu)
        let b = randomPair(Shape(1, 2, 1, 1), seed: 8, on: gpu)
        let y = cpu.convTranspose2d(x.cpu, weight: w.cpu, bias: b.cpu, geometry: geometry)
        expectAgree(gpu.convTranspose2d(x.gpu, weight: w.gpu, bias: b.gpu, geometry: geometry), y, on: gpu,
                    rtol: 1e-4, atol: 1e-4, "forward")
        let dy = randomPair(y.shape, seed: 9, on: gpu)
        expectAgree(gpu.convTranspose2dBackwardInput(dy.gpu, weight: w.gpu, geometry: geometry),
                    cpu.convTranspose2dBackwardInput(dy.cpu, weight: w.cpu, geometry: geometry),
                    on: gpu, rtol: 1e-4, atol: 3e-4, "input gradient")
        expectAgree(gpu.convTranspose2dBackwardWeight(dy.gpu, input: x.gpu, weightShape: w.shape, geometry: geometry),
                    cpu.convTranspose2dBackwardWeight(dy.cpu, input: x.cpu, weightShape: w.shape, geometry: geometry),
                    on: gpu, rtol: 1e-4, atol: 1e-4, "weight gradient")
    }

    /// Small planes, and planes longer than a workgroup's 256 invocations; with and without a
    /// fused rectifier (the backward op is the norm's alone).
    @Test(arguments: [Shape(2, 3, 5, 4), Shape(1, 3, 33, 40)], [Rectifier?.none, .relu, .leakyRelu(slope: 0.2)])
    func instanceNorm(_ shape: Shape, _ rectifier: Rectifier?) {
        let x = randomPair(shape, in: 2...5, seed: 10, on: gpu)
        let gamma = pair([0.5, 1, -2], Shape(1, 3, 1, 1), on: gpu), beta = pair([0, 0.25, 1], Shape(1, 3, 1, 1), on: gpu)
        let c = cpu.instanceNorm(x.cpu, gamma: gamma.cpu, beta: beta.cpu, epsilon: 1e-5, rectifier: rectifier)
        let g = gpu.instanceNorm(x.gpu, gamma: gamma.gpu, beta: beta.gpu, epsilon: 1e-5, rectifier: rectifier)
        expectAgree(g.y, c.y, on: gpu, rtol: 1e-4, atol: 1e-4, "y")
        expectAgree(g.mean, c.mean, on: gpu, rtol: 1e-5, atol: 1e-5, "mean")
        expectAgree(g.invStd, c.invStd, on: gpu, rtol: 1e-4, atol: 1e-4, "invStd")
        let dy = randomPair(shape, seed: 11, on: gpu)
        let cb = cpu.instanceNormBackward(dy.cpu, x: x.cpu, gamma: gamma.cpu, mean: c.mean, invStd: c.invStd)
        let gb = gpu.instanceNormBackward(dy.gpu, x: x.gpu, gamma: gamma.gpu, mean: g.mean, invStd: g.invStd)
        expectAgree(gb.dx, cb.dx, on: gpu, rtol: 1e-3, atol: 1e-4, "dx")
        expectAgree(gb.dGamma, cb.dGamma, on: gpu, rtol: 1e-4, atol: 1e-4, "dGamma")
        expectAgree(gb.dBeta, cb.dBeta, on: gpu, rtol: 1e-4, atol: 1e-4, "dBeta")
    }

    /// Planes far from zero against their spread (1000 + [0, 1]), where E[x^2] - E[x]^2 in fp32
    /// would lose every digit of the variance: the one-pass statistics keep them.
    @Test func instanceNormOfOffsetPlanes() {
        let x = randomPair(Shape(2, 3, 33, 40), in: 1000...1001, seed: 13, on: gpu)
        let gamma = pair([1, 1, 1], Shape(1, 3, 1, 1), on: gpu), beta = pair([0, 0, 0], Shape(1, 3, 1, 1), on: gpu)
        let c = cpu.instanceNorm(x.cpu, gamma: gamma.cpu, beta: beta.cpu, epsilon: 1e-5, rectifier: nil)
        let g = gpu.instanceNorm(x.gpu, gamma: gamma.gpu, beta: beta.gpu, epsilon: 1e-5, rectifier: nil)
        expectAgree(g.mean, c.mean, on: gpu, rtol: 1e-6, atol: 0, "mean")
        expectAgree(g.invStd, c.invStd, on: gpu, rtol: 1e-3, atol: 0, "invStd")
        expectAgree(g.y, c.y, on: gpu, rtol: 1e-3, atol: 2e-3, "y")
    }

    @Test(arguments: [Pointwise.relu, .leakyRelu(slope: 0.2), .tanh, .sigmoid, .log, .abs, .softplus])
    func pointwise(_ op: Pointwise) {
        // Away from the kinks of relu and abs; positive for log; wide enough to saturate tanh.
        let values = randomValues(2 * 3 * 5 * 7, in: 0.1...12, seed: 12).enumerated().map { i, v in
            op == .log || i % 2 == 0 ? v : -v
        }
        let x = pair(values, Shape(2, 3, 5, 7), on: gpu)
        let y = (cpu: cpu.pointwise(x.cpu, op), gpu: gpu.pointwise(x.gpu, op))
        expectAgree(y.gpu, y.cpu, on: gpu, rtol: 1e-5, atol: 1e-6, "forward")
        let dy = randomPair(x.shape, seed: 13, on: gpu)
        expectAgree(gpu.pointwiseBackward(dy.gpu, x: x.gpu, y: y.gpu, op), cpu.pointwiseBackward(dy.cpu, x: x.cpu, y: y.cpu, op),
                    on: gpu, rtol: 1e-5, atol: 1e-6, "backward")
    }

    @Test func affine() {
        let x = randomPair(Shape(2, 3, 4, 5), seed: 14, on: gpu)
        expectAgree(gpu.affine(x.gpu, scale: -1.5, shift: 0.25), cpu.affine(x.cpu, scale: -1.5, shift: 0.25), on: gpu,
                    rtol: 1e-6, atol: 1e-7)
    }

    @Test(arguments: [Binary.add, .sub, .mul, .div])
    func binaryWithBroadcasting(_ op: Binary) {
        let shapes = [(Shape(2, 3, 4, 5), Shape(2, 3, 4, 5)), (Shape(2, 3, 4, 5), Shape(1, 3, 1, 1)),
                      (Shape(2, 1, 4, 5), Shape(1, 3, 1, 5)), (Shape.scalar, Shape(2, 3, 4, 1))]
        for (i, (sa, sb)) in shapes.enumerated() {
            let a = randomPair(sa, seed: 15 + UInt64(i), on: gpu), b = randomPair(sb, in: 0.5...2, seed: 25 + UInt64(i), on: gpu)
            expectAgree(gpu.binary(a.gpu, b.gpu, op), cpu.binary(a.cpu, b.cpu, op), on: gpu, rtol: 1e-6, atol: 0, "\(sa) \(op) \(sb)")
        }
    }

    /// Short sums (an invocation per target) and long ones (workgroup chunks, then their totals).
    @Test(arguments: [(Shape(2, 3, 4, 5), Shape.scalar), (Shape(2, 3, 4, 5), Shape(1, 3, 1, 1)),
                      (Shape(2, 3, 4, 5), Shape(2, 3, 1, 1)), (Shape(2, 3, 4, 5), Shape(1, 3, 4, 5)),
                      (Shape(2, 3, 4, 5), Shape(2, 1, 4, 1)), (Shape(3, 2, 100, 110), Shape.scalar),
                      (Shape(3, 2, 100, 110), Shape(1, 2, 1, 1))])
    func sum(_ source: Shape, _ target: Shape) {
        let x = randomPair(source, seed: 16, on: gpu)
        expectAgree(gpu.sum(x.gpu, to: target), cpu.sum(x.cpu, to: target), on: gpu, rtol: 1e-4, atol: 1e-3)
    }

    @Test(arguments: [false, true])
    func softmaxOverChannels(log: Bool) {
        let x = randomPair(Shape(2, 4, 3, 5), in: -30...30, seed: 17, on: gpu)
        let y = log ? (cpu.logSoftmaxChannels(x.cpu), gpu.logSoftmaxChannels(x.gpu)) : (cpu.softmaxChannels(x.cpu), gpu.softmaxChannels(x.gpu))
        expectAgree(y.1, y.0, on: gpu, rtol: 1e-5, atol: 1e-6, "forward")
        let dy = randomPair(x.shape, seed: 18, on: gpu)
        let dx = log ? (cpu.logSoftmaxChannelsBackward(dy.cpu, y: y.0), gpu.logSoftmaxChannelsBackward(dy.gpu, y: y.1))
            : (cpu.softmaxChannelsBackward(dy.cpu, y: y.0), gpu.softmaxChannelsBackward(dy.gpu, y: y.1))
        expectAgree(dx.1, dx.0, on: gpu, rtol: 1e-5, atol: 1e-5, "backward")
    }

    @Test func concatAndSlice() {
        let a = randomPair(Shape(2, 2, 3, 3), seed: 19, on: gpu), b = randomPair(Shape(2, 3, 3, 3), seed: 20, on: gpu)
        let joined = (cpu.concatChannels([a.cpu, b.cpu]), gpu.concatChannels([a.gpu, b.gpu]))
        expectAgree(joined.1, joined.0, on: gpu, rtol: 0, atol: 0, "concat")
        expectAgree(gpu.sliceChannels(joined.1, 1..<4), cpu.sliceChannels(joined.0, 1..<4), on: gpu, rtol: 0, atol: 0, "slice")
    }

    /// Distinct values (no ties), with overlapping windows in the last two cases.
    @Test(arguments: [(2, 2, 0), (5, 1, 2), (3, 2, 1)])
    func maxPool(kernel: Int, stride: Int, pad: Int) {
        let geometry = PoolGeometry(kernel: kernel, stride: stride, padding: pad)
        let shape = Shape(2, 3, 8, 6)
        let x = pair((0..<shape.count).map { Float(($0 * 37) % shape.count) * 0.01 }, shape, on: gpu)
        let c = cpu.maxPool2d(x.cpu, geometry: geometry), g = gpu.maxPool2d(x.gpu, geometry: geometry)
        expectAgree(g.y, c.y, on: gpu, rtol: 0, atol: 0, "y")
        expectAgree(g.argmax, c.argmax, on: gpu, rtol: 0, atol: 0, "argmax")
        let dy = randomPair(c.y.shape, seed: 21, on: gpu)
        expectAgree(gpu.maxPool2dBackward(dy.gpu, argmax: g.argmax, inputShape: shape),
                    cpu.maxPool2dBackward(dy.cpu, argmax: c.argmax, inputShape: shape), on: gpu, rtol: 1e-6, atol: 1e-6, "backward")
    }

    @Test func laplacian() {
        let x = randomPair(Shape(2, 2, 5, 6), seed: 22, on: gpu)
        expectAgree(gpu.laplacian(x.gpu), cpu.laplacian(x.cpu), on: gpu, rtol: 1e-6, atol: 1e-6)
    }

    @Test func adam() {
        let shape = Shape(3, 4, 5, 1)
        let p = randomPair(shape, seed: 23, on: gpu), g = randomPair(shape, seed: 24, on: gpu)
        let m = randomPair(shape, in: -0.1...0.1, seed: 25, on: gpu), v = randomPair(shape, in: 0...0.01, seed: 26, on: gpu)
        let step = AdamStep(learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, t: 3)
        let c = cpu.adam(p.cpu, gradient: g.cpu, m: m.cpu, v: v.cpu, step: step)
        let d = gpu.adam(p.gpu, gradient: g.gpu, m: m.gpu, v: v.gpu, step: step)
        expectAgree(d.value, c.value, on: gpu, rtol: 1e-5, atol: 1e-6, "value")
        expectAgree(d.m, c.m, on: gpu, rtol: 1e-5, atol: 1e-7, "m")
        expectAgree(d.v, c.v, on: gpu, rtol: 1e-5, atol: 1e-8, "v")
    }
}

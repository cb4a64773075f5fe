import Compute
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Forward values of the CPU backend against the direct-loop references.
@Suite struct ForwardTests {
    struct ConvCase: CustomTestStringConvertible, Sendable {
        let input: Shape, out: Int, kernel: Int, stride: Int, pad: Int
        var testDescription: String { "\(input) -> \(out) k\(kernel) s\(stride) p\(pad)" }
    }

    @Test(arguments: [
        ConvCase(input: Shape(2, 3, 7, 6), out: 4, kernel: 3, stride: 1, pad: 1),
        ConvCase(input: Shape(2, 5, 6, 5), out: 3, kernel: 1, stride: 1, pad: 0),
        ConvCase(input: Shape(2, 3, 8, 6), out: 2, kernel: 4, stride: 2, pad: 1),
        ConvCase(input: Shape(1, 2, 9, 7), out: 3, kernel: 3, stride: 2, pad: 0),
        ConvCase(input: Shape(1, 2, 5, 5), out: 2, kernel: 5, stride: 1, pad: 2),
        // Winograd F(4x4, 3x3) (every stride-1 3x3 conv): partial tiles at the far edges, each
        // padding it accepts, and tile blocks that end inside a sample (the last case).
        ConvCase(input: Shape(1, 1, 4, 4), out: 1, kernel: 3, stride: 1, pad: 1),
        ConvCase(input: Shape(2, 3, 9, 7), out: 5, kernel: 3, stride: 1, pad: 0),
        ConvCase(input: Shape(1, 2, 5, 11), out: 3, kernel: 3, stride: 1, pad: 2),
        ConvCase(input: Shape(3, 64, 30, 41), out: 64, kernel: 3, stride: 1, pad: 1),
    ])
    func conv2d(_ t: ConvCase) {
        let x = randomTensor(t.input, seed: 1)
        let w = randomTensor(Shape(t.out, t.input.c, t.kernel, t.kernel), seed: 2)
        let b = randomTensor(Shape(1, t.out, 1, 1), seed: 3)
        let y = backend.conv2d(x, weight: w, bias: b, geometry: ConvGeometry(stride: t.stride, padding: t.pad))
        let (shape, expected) = referenceConv(x, w, b, stride: t.stride, pad: t.pad)
        #expect(y.shape == shape)
        // Winograd's transforms amplify rounding: its error scales with the largest output.
        let largest = expected.map(Swift.abs).max()!
        expectClose(backend.download(y), expected, rtol: 1e-4, atol: max(1e-5, 2e-5 * largest))
    }

    /// A 3x3 conv larger than one im2col tile (several row bands per sample).
    @Test func conv2dAcrossTiles() {
        let x = randomTensor(Shape(2, 64, 40, 48), seed: 4)
        let w = randomTensor(Shape(3, 64, 3, 3), seed: 5)
        let y = backend.conv2d(x, weight: w, bias: nil, geometry: ConvGeometry(stride: 1, padding: 1))
        expectClose(backend.download(y), referenceConv(x, w, nil, stride: 1, pad: 1).1, rtol: 1e-4, atol: 1e-4)
    }

    @Test(arguments: [(2, 0, 2), (3, 1, 2), (4, 1, 2), (3, 1, 1)])
    func convTranspose2d(kernel: Int, pad: Int, stride: Int) {
        let x = randomTensor(Shape(2, 3, 4, 5), seed: 6)
        let w = randomTensor(Shape(3, 2, kernel, kernel), seed: 7)
        let b = randomTensor(Shape(1, 2, 1, 1), seed: 8)
        let y = backend.convTranspose2d(x, weight: w, bias: b, geometry: ConvGeometry(stride: stride, padding: pad))
        let (shape, expected) = referenceConvTranspose(x, w, b, stride: stride, pad: pad)
        #expect(y.shape == shape)
        expectClose(backend.download(y), expected)
    }

    /// Winograd reads the parts in place, im2col (stride 2) convolves their concatenation: both
    /// give exactly the convolution of the concatenated tensor.
    @Test(arguments: [1, 2])
    func conv2dOfConcatenation(stride: Int) {
        let parts = [randomTensor(Shape(2, 3, 9, 10), seed: 30), randomTensor(Shape(2, 5, 9, 10), seed: 31)]
        let weight = randomTensor(Shape(4, 8, 3, 3), seed: 32), bias = randomTensor(Shape(1, 4, 1, 1), seed: 33)
        let geometry = ConvGeometry(stride: stride, padding: 1)
        let expected = backend.conv2d(backend.concatChannels(parts), weight: weight, bias: bias, geometry: geometry)
        let y = backend.conv2d(concatenating: parts, weight: weight, bias: bias, geometry: geometry)
        #expect(y.shape == expected.shape && backend.download(y) == backend.download(expected))
    }

    /// Small planes, and planes over several 512-element summation blocks.
    @Test(arguments: [Shape(2, 3, 5, 4), Shape(1, 3, 33, 40)])
    func instanceNorm(_ shape: Shape) {
        let x = randomTensor(shape, .uniform(2...5), seed: 9)
        let gamma: [Float] = [0.5, 1, -2], beta: [Float] = [0, 0.25, 1]
        let affine = Shape(1, 3, 1, 1)
        let (y, mean, invStd) = backend.instanceNorm(x, gamma: backend.upload(gamma, shape: affine),
                                                     beta: backend.upload(beta, shape: affine), epsilon: 1e-5, rectifier: nil)
        #expect(mean.shape == Shape(shape.n, 3, 1, 1) && invStd.shape == Shape(shape.n, 3, 1, 1))
        expectClose(backend.download(y), referenceInstanceNorm(x, gamma, beta, eps: 1e-5), rtol: 1e-4, atol: 1e-4)
    }

    /// The fused rectifier scales exactly the negative outputs of the norm (0 for ReLU).
    @Test(arguments: [Rectifier.relu, .leakyRelu(slope: 0.2)])
    func instanceNormRectified(_ rectifier: Rectifier) {
        let shape = Shape(2, 3, 5, 4)
        let x = randomTensor(shape, .uniform(2...5), seed: 9)
        let gamma: [Float] = [0.5, 1, -2], beta: [Float] = [0, 0.25, 1]
        let affine = Shape(1, 3, 1, 1)
        let (y, _, _) = backend.instanceNorm(x, gamma: backend.upload(gamma, shape: affine),
                                             beta: backend.upload(beta, shape: affine), epsilon: 1e-5, rectifier: rectifier)
        let slope = rectifier == .relu ? 0 : 0.2
        let expected = referenceInstanceNorm(x, gamma, beta, eps: 1e-5).map { $0 > 0 ? $0 : slope * $0 }
        #expect(expected.contains { $0 < 0 } == (rectifier != .relu) && expected.contains { $0 > 0 })
        expectClose(backend.download(y), expected, rtol: 1e-4, atol: 1e-4)
    }

    @Test(arguments: [(2, 2, 0), (5, 1, 2), (3, 2, 1)])
    func maxPool(kernel: Int, stride: Int, pad: Int) {
        let x = randomTensor(Shape(2, 3, 8, 6), seed: 10)
        let (y, _) = backend.maxPool2d(x, geometry: PoolGeometry(kernel: kernel, stride: stride, padding: pad))
        expectClose(backend.download(y), referenceMaxPool(x, kernel: kernel, stride: stride, pad: pad), rtol: 0, atol: 0)
    }

    /// 2x2 pooling on rows wide enough for the 8-output vector path plus a remainder, with ties
    /// (first maximum in row-major order wins), checked through the argmax the backward uses.
    @Test func maxPoolVectorPathAndTies() {
        var rng = SeededGenerator(seed: 21)
        let shape = Shape(2, 2, 4, 22)
        let values = (0..<shape.count).map { _ in Float(Int.random(in: 0...2, using: &rng)) }
        let x = backend.upload(values, shape: shape)
        let (y, argmax) = backend.maxPool2d(x, geometry: PoolGeometry(kernel: 2, stride: 2))
        expectClose(backend.download(y), referenceMaxPool(x, kernel: 2, stride: 2, pad: 0), rtol: 0, atol: 0)
        let g = Grid(x)
        let firstWinner = tabulate(y.shape) { n, c, oy, ox in
            let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map { (2 * oy + $0.0, 2 * ox + $0.1) }
            let best = window.map { g[n, c, $0.0, $0.1] }.max()!
            let (wy, wx) = window.first { g[n, c, $0.0, $0.1] == best }!
            return Double(wy * shape.w + wx)
        }
        expectClose(backend.download(argmax), firstWinner, rtol: 0, atol: 0)
    }

    @Test func softmaxOverChannels() {
        let x = randomTensor(Shape(2, 4, 3, 5), .uniform(-20...20), seed: 11)
        expectClose(backend.download(backend.softmaxChannels(x)), referenceSoftmax(x), rtol: 1e-5, atol: 1e-7)
    }

    /// Log-softmax stays finite where softmax underflows to 0.
    @Test func logSoftmaxOverChannels() {
        let x = randomTensor(Shape(2, 4, 3, 5), .uniform(-60...60), seed: 20)
        expectClose(backend.download(backend.logSoftmaxChannels(x)), referenceSoftmax(x, log: true), rtol: 1e-5, atol: 1e-5)
    }

    /// More pixels than one softmax run, so the per-task pixel ranges are exercised.
    @Test func softmaxAcrossRuns() {
        let x = randomTensor(Shape(2, 3, 40, 30), seed: 12)
        expectClose(backend.download(backend.softmaxChannels(x)), referenceSoftmax(x), rtol: 1e-5, atol: 1e-7)
        expectClose(backend.download(backend.logSoftmaxChannels(x)), referenceSoftmax(x, log: true), rtol: 1e-5, atol: 1e-6)
    }

    @Test func laplacian() {
        let x = randomTensor(Shape(2, 2, 5, 6), seed: 13)
        expectClose(backend.download(backend.laplacian(x)), referenceLaplacian(x))
    }

    @Test func concatAndSlice() {
        let a = randomTensor(Shape(2, 2, 3, 3), seed: 14), b = randomTensor(Shape(2, 3, 3, 3), seed: 15)
        let joined = backend.concatChannels([a, b])
        #expect(joined.shape == Shape(2, 5, 3, 3))
        let ga = Grid(a), gb = Grid(b)
        expectClose(backend.download(joined), tabulate(joined.shape) { n, c, y, x in c < 2 ? ga[n, c, y, x] : gb[n, c - 2, y, x] })
        #expect(backend.download(backend.sliceChannels(joined, 2..<5)) == backend.download(b))
    }

    @Test func broadcastBinaryAndSums() {
        let a = randomTensor(Shape(2, 3, 4, 5), seed: 16), b = randomTensor(Shape(1, 3, 1, 5), .uniform(1...2), seed: 17)
        let ga = Grid(a), gb = Grid(b)
        expectClose(backend.download(backend.binary(a, b, .div)), tabulate(a.shape) { n, c, y, x in ga[n, c, y, x] / gb[0, c, 0, x] })
        expectClose(backend.download(backend.binary(b, a, .sub)), tabulate(a.shape) { n, c, y, x in gb[0, c, 0, x] - ga[n, c, y, x] })
        for target in [Shape.scalar, Shape(1, 3, 1, 1), Shape(2, 3, 1, 1), Shape(1, 1, 4, 5), Shape(2, 1, 4, 1)] {
            let expected = tabulate(target) { n, c, y, x in
                var acc = 0.0
                for nn in 0..<2 { for cc in 0..<3 { for yy in 0..<4 { for xx in 0..<5
                where (target.n == 1 || nn == n) && (target.c == 1 || cc == c) && (target.h == 1 || yy == y) && (target.w == 1 || xx == x) {
                    acc += ga[nn, cc, yy, xx]
                } } } }
                return acc
            }
            expectClose(backend.download(backend.sum(a, to: target)), expected)
        }
    }

    /// A full sum long enough to be split across tasks and summation blocks.
    @Test func largeSum() {
        let x = randomTensor(Shape(3, 5, 100, 101), seed: 19)
        let expected = backend.download(x).reduce(0.0) { $0 + Double($1) }
        expectClose(backend.download(backend.sum(x, to: .scalar)), [expected], rtol: 1e-6, atol: 1e-4)
    }

    @Test func pointwiseValues() {
        let x = randomTensor(Shape(1, 2, 3, 4), .uniform(0.1...3), seed: 18)
        let values = backend.download(x).map(Double.init)
        expectClose(backend.download(backend.pointwise(x, .log)), values.map { Glibc.log($0) })
        expectClose(backend.download(backend.pointwise(backend.affine(x, scale: -1, shift: 0.5), .leakyRelu(slope: 0.2))),
                    values.map { 0.5 - $0 > 0 ? 0.5 - $0 : 0.2 * (0.5 - $0) })
        expectClose(backend.download(backend.pointwise(x, .sigmoid)), values.map { 1 / (1 + Glibc.exp(-$0)) })
        let wide = backend.upload([-100, -3, 0, 2, 100], shape: Shape(1, 1, 1, 5))
        expectClose(backend.download(backend.pointwise(wide, .softplus)), [-100, -3, 0, 2, 100].map { Glibc.log1p(Glibc.exp(-Swift.abs($0))) + max($0, 0) })
    }
}

import Compute
import Randomness
import Testing
import TestSupport

/// CPU-specific paths the conformance suite's cases do not pin down on their own.
@Suite struct ForwardTests {
    /// Winograd reads the parts in place, im2col (stride 2) convolves their concatenation: both
    /// give exactly the convolution of the concatenated tensor.
    @Test(arguments: [1, 2])
    func conv2dOfConcatenationIsExact(stride: Int) {
        let parts = [randomTensor(Shape(2, 3, 9, 10), seed: 30), randomTensor(Shape(2, 5, 9, 10), seed: 31)]
        let weight = randomTensor(Shape(4, 8, 3, 3), seed: 32), bias = randomTensor(Shape(1, 4, 1, 1), seed: 33)
        let geometry = ConvGeometry(stride: stride, padding: 1)
        let expected = backend.conv2d(backend.concatChannels(parts), weight: weight, bias: bias, geometry: geometry)
        let y = backend.conv2d(concatenating: parts, weight: weight, bias: bias, geometry: geometry)
        #expect(y.shape == expected.shape && backend.download(y) == backend.download(expected))
    }

    /// 2x2 pooling on rows wide enough for the 8-output vector path plus a remainder, with ties
    /// (first maximum in row-major order wins), checked through the argmax the backward uses.
    @Test func maxPoolVectorPathAndTies() {
        var rng = RandomSource(seed: 21)
        let shape = Shape(2, 2, 4, 22)
        let values = (0..<shape.count).map { _ in Float(Int.random(in: 0...2, using: &rng)) }
        let (y, argmax) = backend.maxPool2d(backend.upload(values, shape: shape), geometry: PoolGeometry(kernel: 2, stride: 2))
        let expected = Reference.maxPool(HostTensor(shape, values), nil, kernel: 2, stride: 2, pad: 0)
        expectClose(backend.download(y), expected[0], .exact, "maxima")
        expectClose(backend.download(argmax), expected[1], .exact, "first winners")
    }
}

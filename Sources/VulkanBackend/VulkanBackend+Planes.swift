import CVulkan
import Compute

// Per-plane and per-pixel ops: instance norm, softmax over channels, channel concat/slice,
// pooling and the Laplacian.
extension VulkanBackend {
    // MARK: Instance norm

    public func instanceNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float, rectifier: Rectifier?)
        -> (y: Tensor, mean: Tensor, invStd: Tensor) {
        let s = x.shape
        precondition(gamma.shape == Shape(1, s.c, 1, 1) && beta.shape == Shape(1, s.c, 1, 1), "instance-norm affine shape")
        let (y, out) = allocate(s)
        let (mean, means) = allocate(Shape(s.n, s.c, 1, 1))
        let (invStd, invStds) = allocate(Shape(s.n, s.c, 1, 1))
        launch(.instanceNorm, [buffer(x), buffer(gamma), buffer(beta), out, means, invStds],
               ints: [s.planes, s.c, s.planeSize], floats: [epsilon, rectifier?.negativeSlope ?? 1], groups: (min(65535, max(1, s.planes)), 1, 1))
        return (y, mean, invStd)
    }

    public func instanceNormBackward(_ dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, invStd: Tensor)
        -> (dx: Tensor, dGamma: Tensor, dBeta: Tensor) {
        let s = x.shape
        precondition(dy.shape == s, "instance-norm gradient shape")
        let (dx, out) = allocate(s)
        let (sumDy, sumDyOut) = allocate(Shape(s.n, s.c, 1, 1))
        let (sumDyXhat, sumDyXhatOut) = allocate(Shape(s.n, s.c, 1, 1))
        launch(.instanceNormBackward, [buffer(dy), buffer(x), buffer(gamma), buffer(mean), buffer(invStd), out,
                                       sumDyOut, sumDyXhatOut],
               ints: [s.planes, s.c, s.planeSize], groups: (min(65535, max(1, s.planes)), 1, 1))
        let affine = Shape(1, s.c, 1, 1)
        return (dx, sum(sumDyXhat, to: affine), sum(sumDy, to: affine))
    }

    // MARK: Softmax over channels

    public func softmaxChannels(_ x: Tensor) -> Tensor { channelSoftmax(x, log: false) }
    public func logSoftmaxChannels(_ x: Tensor) -> Tensor { channelSoftmax(x, log: true) }
    public func softmaxChannelsBackward(_ dy: Tensor, y: Tensor) -> Tensor { channelSoftmaxBackward(dy, y: y, log: false) }
    public func logSoftmaxChannelsBackward(_ dy: Tensor, y: Tensor) -> Tensor { channelSoftmaxBackward(dy, y: y, log: true) }

    private func channelSoftmax(_ x: Tensor, log: Bool) -> Tensor {
        let s = x.shape
        let (y, out) = allocate(s)
        launch(.softmax, constants: [log ? 1 : 0], [buffer(x), out], ints: [s.n, s.c, s.planeSize],
               groups: Self.groups(items: s.n * s.planeSize))
        return y
    }

    private func channelSoftmaxBackward(_ dy: Tensor, y: Tensor, log: Bool) -> Tensor {
        let s = y.shape
        precondition(dy.shape == s, "softmax gradient shape")
        let (dx, out) = allocate(s)
        launch(.softmaxBackward, constants: [log ? 1 : 0], [buffer(dy), buffer(y), out], ints: [s.n, s.c, s.planeSize],
               groups: Self.groups(items: s.n * s.planeSize))
        return dx
    }

    // MARK: Channels (buffer copies, no shader)

    public func concatChannels(_ parts: [Tensor]) -> Tensor {
        let shape = Shape.concatenatingChannels(parts.map(\.shape))
        let (y, out) = allocate(shape)
        var channel = 0
        for part in parts {
            let size = part.shape.c * shape.planeSize
            let regions = (0..<shape.n).map { n in
                VkBufferCopy(srcOffset: VkDeviceSize(4 * n * size),
                             dstOffset: VkDeviceSize(4 * (n * shape.c + channel) * shape.planeSize), size: VkDeviceSize(4 * size))
            }
            must { try context.copy(from: buffer(part).raw, to: out.raw, regions: regions) }
            channel += part.shape.c
        }
        return y
    }

    public func sliceChannels(_ x: Tensor, _ range: Range<Int>) -> Tensor {
        let s = x.shape
        precondition(range.lowerBound >= 0 && range.upperBound <= s.c, "channels \(range) of \(s)")
        let shape = Shape(s.n, range.count, s.h, s.w)
        let (y, out) = allocate(shape)
        let size = range.count * s.planeSize
        let regions = (0..<s.n).map { n in
            VkBufferCopy(srcOffset: VkDeviceSize(4 * (n * s.c + range.lowerBound) * s.planeSize),
                         dstOffset: VkDeviceSize(4 * n * size), size: VkDeviceSize(4 * size))
        }
        must { try context.copy(from: buffer(x).raw, to: out.raw, regions: regions) }
        return y
    }

    // MARK: Spatial

    public func maxPool2d(_ x: Tensor, geometry pool: PoolGeometry) -> (y: Tensor, argmax: Tensor) {
        let s = x.shape
        let shape = Shape(s.n, s.c, pool.output(s.h), pool.output(s.w))
        let (y, out) = allocate(shape)
        let (argmax, winners) = allocate(shape)
        launch(.maxPool, [buffer(x), out, winners], ints: [s.planes, s.h, s.w, shape.h, shape.w, pool.kernel, pool.stride, pool.padding],
               groups: Self.groups(items: shape.count))
        return (y, argmax)
    }

    public func maxPool2dBackward(_ dy: Tensor, argmax: Tensor, inputShape s: Shape) -> Tensor {
        precondition(dy.shape == argmax.shape, "max-pool gradient shape")
        let dx = full(s, value: 0)
        launch(.maxPoolBackward, [buffer(dy), buffer(argmax), buffer(dx)], ints: [s.planes, s.planeSize, dy.shape.planeSize],
               groups: Self.groups(items: dy.count))
        return dx
    }

    public func laplacian(_ x: Tensor) -> Tensor {
        let s = x.shape
        let (y, out) = allocate(s)
        launch(.laplacian, [buffer(x), out], ints: [s.planes, s.h, s.w], groups: Self.groups(items: s.count))
        return y
    }
}

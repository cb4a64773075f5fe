import Compute
import Testing
import TestSupport

/// Finite-difference checks of every differentiable op (tolerances: see `checkGradients`).
@Suite struct GradientTests {
    @Test(arguments: [(3, 1, 1), (1, 1, 0), (4, 2, 1), (3, 2, 0)])
    func conv2d(kernel: Int, stride: Int, pad: Int) {
        checkGradients([(Shape(2, 3, 6, 6), .uniform(-1...1)), (Shape(2, 3, kernel, kernel), .uniform(-1...1)),
                        (Shape(1, 2, 1, 1), .uniform(-1...1))]) { g, v in
            g.conv2d(v[0], v[1], v[2], geometry: ConvGeometry(stride: stride, padding: pad))
        }
    }

    /// The parts of a concatenation get their own slices of the input gradient.
    @Test func conv2dOfConcatenation() {
        checkGradients([(Shape(2, 2, 5, 5), .uniform(-1...1)), (Shape(2, 3, 5, 5), .uniform(-1...1)),
                        (Shape(2, 5, 3, 3), .uniform(-1...1)), (Shape(1, 2, 1, 1), .uniform(-1...1))]) { g, v in
            g.conv2d(concatenating: [v[0], v[1]], v[2], v[3], geometry: ConvGeometry(stride: 1, padding: 1))
        }
    }

    @Test(arguments: [(2, 2, 0), (4, 2, 1), (3, 1, 1)])
    func convTranspose2d(kernel: Int, stride: Int, pad: Int) {
        checkGradients([(Shape(2, 3, 3, 4), .uniform(-1...1)), (Shape(3, 2, kernel, kernel), .uniform(-1...1)),
                        (Shape(1, 2, 1, 1), .uniform(-1...1))]) { g, v in
            g.convTranspose2d(v[0], v[1], v[2], geometry: ConvGeometry(stride: stride, padding: pad))
        }
    }

    @Test func instanceNorm() {
        checkGradients([(Shape(2, 3, 4, 3), .uniform(-2...2)), (Shape(1, 3, 1, 1), .uniform(0.5...1.5)),
                        (Shape(1, 3, 1, 1), .uniform(-1...1))]) { g, v in
            g.instanceNorm(v[0], gamma: v[1], beta: v[2])
        }
    }

    /// The fused rectifier, with channels shifted to all-positive and all-negative outputs: a shift
    /// of 1.5 keeps a channel's outputs (within 0.6 of it) clear of the kink, where finite
    /// differences fail. ForwardTests covers planes of mixed signs.
    @Test(arguments: [Rectifier.relu, .leakyRelu(slope: 0.2)])
    func instanceNormRectified(_ rectifier: Rectifier) {
        checkGradients([(Shape(2, 3, 4, 3), .uniform(-2...2)), (Shape(1, 3, 1, 1), .uniform(0.1...0.3)),
                        (Shape(1, 3, 1, 1), .uniform(-0.05...0.05))]) { g, v in
            let shift = g.constant(g.backend.upload([1.5, -1.5, 1.5], shape: Shape(1, 3, 1, 1)))
            return g.instanceNorm(v[0], gamma: v[1], beta: g.add(v[2], shift), then: rectifier)
        }
    }

    @Test(arguments: [Pointwise.relu, .leakyRelu(slope: 0.2), .tanh, .sigmoid, .abs, .softplus])
    func pointwise(_ op: Pointwise) {
        checkGradients([(Shape(2, 3, 4, 5), .awayFromZero)]) { g, v in g.pointwise(v[0], op) }
    }

    @Test func log() {
        checkGradients([(Shape(2, 3, 4, 5), .uniform(0.5...2))]) { g, v in g.log(v[0]) }
    }

    @Test(arguments: [Binary.add, .sub, .mul, .div])
    func binary(_ op: Binary) {
        checkGradients([(Shape(2, 3, 4, 5), .uniform(-1...1)), (Shape(2, 3, 4, 5), .uniform(0.5...2))]) { g, v in
            g.binary(v[0], v[1], op)
        }
    }

    /// Broadcasting in both directions: the gradients are summed back to each operand's shape.
    @Test(arguments: [Binary.add, .sub, .mul, .div])
    func broadcastBinary(_ op: Binary) {
        checkGradients([(Shape(2, 1, 4, 5), .uniform(-1...1)), (Shape(1, 3, 1, 5), .uniform(0.5...2))]) { g, v in
            g.binary(v[0], v[1], op)
        }
    }

    @Test func affine() {
        checkGradients([(Shape(2, 3, 2, 2), .uniform(-1...1))]) { g, v in g.affine(v[0], scale: -1.5, shift: 0.3) }
    }

    @Test(arguments: [Shape.scalar, Shape(1, 3, 1, 1), Shape(2, 3, 1, 1), Shape(1, 1, 4, 1)])
    func sumAndMean(_ target: Shape) {
        checkGradients([(Shape(2, 3, 4, 5), .uniform(-1...1))]) { g, v in g.sum(v[0], to: target) }
        checkGradients([(Shape(2, 3, 4, 5), .uniform(-1...1))]) { g, v in g.mean(v[0], to: target) }
    }

    @Test func softmax() {
        checkGradients([(Shape(2, 4, 3, 3), .uniform(-2...2))]) { g, v in g.softmax(v[0]) }
    }

    @Test func logSoftmax() {
        checkGradients([(Shape(2, 4, 3, 3), .uniform(-2...2))]) { g, v in g.logSoftmax(v[0]) }
    }

    @Test func concatAndSlice() {
        checkGradients([(Shape(2, 2, 3, 3), .uniform(-1...1)), (Shape(2, 3, 3, 3), .uniform(-1...1))]) { g, v in
            g.concat([v[0], v[1], v[0]])
        }
        checkGradients([(Shape(2, 5, 3, 3), .uniform(-1...1))]) { g, v in g.slice(v[0], channels: 1..<3) }
    }

    @Test(arguments: [(2, 2, 0), (5, 1, 2)])
    func maxPool(kernel: Int, stride: Int, pad: Int) {
        checkGradients([(Shape(2, 2, 6, 6), .distinct)]) { g, v in
            g.maxPool2d(v[0], geometry: PoolGeometry(kernel: kernel, stride: stride, padding: pad))
        }
    }

    @Test func laplacian() {
        checkGradients([(Shape(2, 2, 4, 5), .uniform(-1...1))]) { g, v in g.laplacian(v[0]) }
    }

    /// A small U-Net-shaped chain down to a cross-entropy loss, checked end to end.
    @Test func compositeSegmentationChain() {
        let classes = 3
        // One-hot labels: pixel p of sample n belongs to class (n * 16 + p) % classes.
        let oneHot: [Double] = tabulate(Shape(2, classes, 4, 4)) { n, c, y, x in (n * 16 + y * 4 + x) % classes == c ? 1 : 0 }
        let labels = backend.upload(oneHot.map { Float($0) }, shape: Shape(2, classes, 4, 4))

        checkGradients([
            (Shape(2, 2, 4, 4), .uniform(-1...1)),          // image
            (Shape(4, 2, 3, 3), .uniform(-0.5...0.5)),      // conv weight
            (Shape(1, 4, 1, 1), .uniform(-0.1...0.1)),      // conv bias
            (Shape(1, 4, 1, 1), .uniform(0.5...1.5)),       // IN gamma
            (Shape(1, 4, 1, 1), .uniform(-0.5...0.5)),      // IN beta
            (Shape(4, 4, 2, 2), .uniform(-0.5...0.5)),      // transposed conv weight (IOHW)
            (Shape(classes, 6, 1, 1), .uniform(-0.5...0.5)), // 1x1 head
        ], step: 1e-3, samples: 12, seed: 5) { g, v in
            let skip = g.relu(g.instanceNorm(g.conv2d(v[0], v[1], v[2], geometry: ConvGeometry(stride: 1, padding: 1)),
                                             gamma: v[3], beta: v[4]))
            let down = g.maxPool2d(skip, geometry: PoolGeometry(kernel: 2, stride: 2))
            let up = g.convTranspose2d(down, v[5], nil, geometry: ConvGeometry(stride: 2))
            let merged = g.concat([up, g.slice(skip, channels: 0..<2)])
            let probabilities = g.softmax(g.conv2d(merged, v[6], nil, geometry: ConvGeometry()))
            let crossEntropy = g.mean(g.mul(g.constant(labels), g.log(probabilities)))
            return g.affine(crossEntropy, scale: -Float(classes))
        }
    }
}

// The differentiable ops: each runs the backend's forward op and records its backward ops.
extension Graph {
    // MARK: Convolution

    /// 2D convolution; `weight` is OIHW, `bias` `[1, O, 1, 1]`.
    public func conv2d(_ x: Variable, _ weight: Variable, _ bias: Variable?, geometry: ConvGeometry) -> Variable {
        conv2d(concatenating: [x], weight, bias, geometry: geometry)
    }

    /// 2D convolution of the channel concatenation of `parts`, which the forward pass does not
    /// materialise where the backend reads the parts in place (`Backend.conv2d(concatenating:)`).
    public func conv2d(concatenating parts: [Variable], _ weight: Variable, _ bias: Variable?,
                       geometry: ConvGeometry) -> Variable {
        let b = backend, values = parts.map(\.value), w = weight.value
        let input = Shape.concatenatingChannels(values.map(\.shape))
        let y = b.conv2d(concatenating: values, weight: w, bias: bias?.value, geometry: geometry)
        return record(y, parts + [weight] + (bias.map { [$0] } ?? [])) { dy, needed in
            let p = parts.count
            var grads: [Tensor?] = Array(repeating: nil, count: needed.count)
            if needed[..<p].contains(true) {
                let dx = b.conv2dBackwardInput(dy, weight: w, inputShape: input, geometry: geometry)
                var first = 0
                for (k, part) in values.enumerated() {
                    if needed[k] { grads[k] = p == 1 ? dx : b.sliceChannels(dx, first..<first + part.shape.c) }
                    first += part.shape.c
                }
            }
            if needed[p] {
                let x = p == 1 ? values[0] : b.concatChannels(values)
                grads[p] = b.conv2dBackwardWeight(dy, input: x, weightShape: w.shape, geometry: geometry)
            }
            if needed.count > p + 1 && needed[p + 1] { grads[p + 1] = b.sum(dy, to: Shape(1, dy.shape.c, 1, 1)) }
            return grads
        }
    }

    /// Transposed 2D convolution; `weight` is IOHW, `bias` `[1, O, 1, 1]`. Being the adjoint of
    /// `conv2d`, its gradients are convolution ops: the input's is `conv2d` of `dy` with the
    /// weight read as OIHW, the weight's is `conv2dBackwardWeight` with the roles of `x` and `dy`
    /// exchanged. Backends implement only the forward.
    public func convTranspose2d(_ x: Variable, _ weight: Variable, _ bias: Variable?,
                                geometry: ConvGeometry) -> Variable {
        let b = backend, xv = x.value, w = weight.value
        let y = b.convTranspose2d(xv, weight: w, bias: bias?.value, geometry: geometry)
        return record(y, [x, weight] + (bias.map { [$0] } ?? [])) { dy, needed in
            [needed[0] ? b.conv2d(dy, weight: w, bias: nil, geometry: geometry) : nil,
             needed[1] ? b.conv2dBackwardWeight(xv, input: dy, weightShape: w.shape, geometry: geometry) : nil,
             needed.count > 2 && needed[2] ? b.sum(dy, to: Shape(1, dy.shape.c, 1, 1)) : nil]
        }
    }

    // MARK: Normalisation

    /// Affine instance norm over each sample's channel planes; `gamma`, `beta` are `[1, C, 1, 1]`.
    /// `then` applies a rectifier in the same pass (`relu(instanceNorm(x))` without the extra op).
    public func instanceNorm(_ x: Variable, gamma: Variable, beta: Variable, epsilon: Float = 1e-5,
                             then rectifier: Rectifier? = nil) -> Variable {
        let b = backend, xv = x.value, g = gamma.value
        let (y, mean, invStd) = b.instanceNorm(xv, gamma: g, beta: beta.value, epsilon: epsilon, rectifier: rectifier)
        return record(y, [x, gamma, beta]) { dy, _ in
            // The rectifier's derivative from its output: y > 0 exactly where its input was.
            let dNorm = rectifier.map { b.pointwiseBackward(dy, x: y, y: y, $0.pointwise) } ?? dy
            let grads = b.instanceNormBackward(dNorm, x: xv, gamma: g, mean: mean, invStd: invStd)
            return [grads.dx, grads.dGamma, grads.dBeta]
        }
    }

    // MARK: Element-wise

    /// Applies an element-wise function.
    public func pointwise(_ x: Variable, _ op: Pointwise) -> Variable {
        let b = backend, xv = x.value
        let y = b.pointwise(xv, op)
        return record(y, [x]) { dy, _ in [b.pointwiseBackward(dy, x: xv, y: y, op)] }
    }

    /// `max(x, 0)`.
    public func relu(_ x: Variable) -> Variable { pointwise(x, .relu) }
    /// Leaky ReLU; the discriminator uses the default slope 0.2.
    public func leakyRelu(_ x: Variable, slope: Float = 0.2) -> Variable { pointwise(x, .leakyRelu(slope: slope)) }
    /// Hyperbolic tangent (the generator's output).
    public func tanh(_ x: Variable) -> Variable { pointwise(x, .tanh) }
    /// Logistic sigmoid (the discriminator's output).
    public func sigmoid(_ x: Variable) -> Variable { pointwise(x, .sigmoid) }
    /// Natural logarithm of positive values.
    public func log(_ x: Variable) -> Variable { pointwise(x, .log) }
    /// Absolute value (subgradient 0 at 0).
    public func abs(_ x: Variable) -> Variable { pointwise(x, .abs) }
    /// `log(1 + exp(x))`, stable for large |x|.
    public func softplus(_ x: Variable) -> Variable { pointwise(x, .softplus) }

    /// `a op b` with NCHW broadcasting; gradients are summed back to each operand's shape.
    public func binary(_ a: Variable, _ b: Variable, _ op: Binary) -> Variable {
        let be = backend, av = a.value, bv = b.value
        let y = be.binary(av, bv, op)
        return record(y, [a, b]) { dy, needed in
            let (da, db): (Tensor?, Tensor?)
            switch op {
            case .add: (da, db) = (dy, dy)
            case .sub: (da, db) = (dy, be.affine(dy, scale: -1, shift: 0))
            case .mul: (da, db) = (needed[0] ? be.binary(dy, bv, .mul) : nil, needed[1] ? be.binary(dy, av, .mul) : nil)
            case .div:
                // d(a/b)/db = -(a/b)/b = -y/b
                (da, db) = (needed[0] ? be.binary(dy, bv, .div) : nil,
                            needed[1] ? be.affine(be.binary(be.binary(dy, y, .mul), bv, .div), scale: -1, shift: 0) : nil)
            }
            return [da.map { be.reduce($0, to: av.shape) }, db.map { be.reduce($0, to: bv.shape) }]
        }
    }

    /// `a + b`, broadcasting.
    public func add(_ a: Variable, _ b: Variable) -> Variable { binary(a, b, .add) }
    /// `a - b`, broadcasting.
    public func sub(_ a: Variable, _ b: Variable) -> Variable { binary(a, b, .sub) }
    /// `a * b`, broadcasting.
    public func mul(_ a: Variable, _ b: Variable) -> Variable { binary(a, b, .mul) }
    /// `a / b`, broadcasting.
    public func div(_ a: Variable, _ b: Variable) -> Variable { binary(a, b, .div) }

    /// `scale * x + shift`.
    public func affine(_ x: Variable, scale: Float, shift: Float = 0) -> Variable {
        let b = backend
        return record(b.affine(x.value, scale: scale, shift: shift), [x]) { dy, _ in
            [b.affine(dy, scale: scale, shift: 0)]
        }
    }

    // MARK: Reductions

    /// Sums `x` down to `shape` (default: a scalar); see `Backend.sum(_:to:)`.
    public func sum(_ x: Variable, to shape: Shape = .scalar) -> Variable {
        let b = backend, s = x.shape
        return record(b.sum(x.value, to: shape), [x]) { dy, _ in
            [b.binary(b.zeros(s), dy, .add)]  // broadcast back to x's shape
        }
    }

    /// The mean of `x` over the axes that `shape` collapses (default: all).
    public func mean(_ x: Variable, to shape: Shape = .scalar) -> Variable {
        affine(sum(x, to: shape), scale: Float(shape.count) / Float(x.value.count))
    }

    // MARK: Channels and space

    /// Softmax over channels.
    public func softmax(_ x: Variable) -> Variable {
        let b = backend
        let y = b.softmaxChannels(x.value)
        return record(y, [x]) { dy, _ in [b.softmaxChannelsBackward(dy, y: y)] }
    }

    /// Log-softmax over channels (use for cross-entropy instead of `log(softmax(x))`).
    public func logSoftmax(_ x: Variable) -> Variable {
        let b = backend
        let y = b.logSoftmaxChannels(x.value)
        return record(y, [x]) { dy, _ in [b.logSoftmaxChannelsBackward(dy, y: y)] }
    }

    /// Concatenation along channels.
    public func concat(_ parts: [Variable]) -> Variable {
        let b = backend
        let bounds = parts.reduce(into: [0]) { $0.append($0.last! + $1.shape.c) }
        return record(b.concatChannels(parts.map(\.value)), parts) { dy, needed in
            parts.indices.map { needed[$0] ? b.sliceChannels(dy, bounds[$0]..<bounds[$0 + 1]) : nil }
        }
    }

    /// Channels `range` of `x`; its gradient is zero-padded back to all channels.
    public func slice(_ x: Variable, channels range: Range<Int>) -> Variable {
        let b = backend, s = x.shape
        return record(b.sliceChannels(x.value, range), [x]) { dy, _ in
            let before = b.zeros(Shape(s.n, range.lowerBound, s.h, s.w))
            let after = b.zeros(Shape(s.n, s.c - range.upperBound, s.h, s.w))
            return [b.concatChannels([before, dy, after].filter { $0.shape.c > 0 })]
        }
    }

    /// Max pooling (2x2 stride 2 in the U-Net, 5x5 stride 1 pad 2 for the edge map).
    public func maxPool2d(_ x: Variable, geometry: PoolGeometry) -> Variable {
        let b = backend, s = x.shape
        let (y, argmax) = b.maxPool2d(x.value, geometry: geometry)
        return record(y, [x]) { dy, _ in [b.maxPool2dBackward(dy, argmax: argmax, inputShape: s)] }
    }

    /// The 3x3 Laplacian per channel (self-adjoint).
    public func laplacian(_ x: Variable) -> Variable {
        let b = backend
        return record(b.laplacian(x.value), [x]) { dy, _ in [b.laplacian(dy)] }
    }
}

extension Backend {
    /// Sums a broadcast gradient back to an operand's shape (a no-op when equal).
    func reduce(_ grad: Tensor, to shape: Shape) -> Tensor {
        grad.shape == shape ? grad : sum(grad, to: shape)
    }
}

import Compute

// Element-wise ops, reductions and the optimiser step.
extension VulkanBackend {
    /// `unary.comp`'s OP code of a pointwise function, and its parameter.
    private func code(_ op: Pointwise) -> (Int32, Float) {
        switch op {
        case .relu: (0, 0)
        case .leakyRelu(let slope): (1, slope)
        case .tanh: (2, 0)
        case .sigmoid: (3, 0)
        case .log: (4, 0)
        case .abs: (5, 0)
        case .softplus: (6, 0)
        }
    }

    public func pointwise(_ x: Tensor, _ op: Pointwise) -> Tensor {
        let (y, out) = allocate(x.shape)
        let (code, parameter) = code(op)
        launch(.unary, constants: [code], [buffer(x), out], ints: [x.count], floats: [parameter, 0],
               groups: Self.groups(items: x.count))
        return y
    }

    public func pointwiseBackward(_ dy: Tensor, x: Tensor, y: Tensor, _ op: Pointwise) -> Tensor {
        precondition(dy.shape == x.shape && dy.shape == y.shape, "shape mismatch \(dy.shape) \(x.shape) \(y.shape)")
        let (dx, out) = allocate(x.shape)
        let (code, parameter) = code(op)
        launch(.unaryBackward, constants: [code], [buffer(dy), buffer(x), buffer(y), out], ints: [x.count],
               floats: [parameter], groups: Self.groups(items: x.count))
        return dx
    }

    public func affine(_ x: Tensor, scale: Float, shift: Float) -> Tensor {
        let (y, out) = allocate(x.shape)
        launch(.unary, constants: [7], [buffer(x), out], ints: [x.count], floats: [scale, shift],
               groups: Self.groups(items: x.count))
        return y
    }

    public func binary(_ a: Tensor, _ b: Tensor, _ op: Binary) -> Tensor {
        let shape = Shape.broadcast(a.shape, b.shape)
        let (y, out) = allocate(shape)
        let code: Int32 = switch op {
        case .add: 0
        case .sub: 1
        case .mul: 2
        case .div: 3
        }
        launch(.binary, constants: [code, a.shape == b.shape ? 0 : 1], [buffer(a), buffer(b), out],
               ints: shape.dims + a.shape.dims + b.shape.dims + [shape.count], groups: Self.groups(items: shape.count))
        return y
    }

    /// Sums with one invocation per target element when each sums few terms (or there are many
    /// targets); otherwise chunks of each target's terms go to whole workgroups and the chunk
    /// totals are summed again.
    public func sum(_ x: Tensor, to target: Shape) -> Tensor {
        precondition(x.shape.reduces(to: target), "cannot sum \(x.shape) to \(target)")
        guard target.count > 0, x.count > target.count else {
            return x.count == target.count ? Tensor(shape: target, storage: x.storage) : full(target, value: 0)
        }
        let perOutput = x.count / target.count
        let reduced = zip(x.shape.dims, target.dims).map { $0 == $1 ? 0 : 1 }
        if perOutput <= 256 || target.count >= 4096 {
            let (y, out) = allocate(target)
            launch(.sum, [buffer(x), out], ints: x.shape.dims + reduced + [target.count, perOutput, 0],
                   groups: Self.groups(items: target.count))
            return y
        }
        let chunks = min(256, (perOutput + 4095) / 4096), chunk = (perOutput + chunks - 1) / chunks
        let (partial, out) = allocate(Shape(1, 1, target.count, chunks))
        launch(.sumPartial, [buffer(x), out], ints: x.shape.dims + reduced + [target.count, perOutput, chunk],
               groups: (chunks, target.count, 1))
        let totals = chunks == 1 ? partial : sum(partial, to: Shape(1, 1, target.count, 1))
        return Tensor(shape: target, storage: totals.storage)
    }

    public func adam(_ value: Tensor, gradient: Tensor, m: Tensor, v: Tensor, step: AdamStep)
        -> (value: Tensor, m: Tensor, v: Tensor) {
        precondition(gradient.shape == value.shape && m.shape == value.shape && v.shape == value.shape, "Adam shapes")
        let (newValue, p1) = allocate(value.shape)
        let (newM, m1) = allocate(value.shape)
        let (newV, v1) = allocate(value.shape)
        launch(.adam, [buffer(value), buffer(gradient), buffer(m), buffer(v), p1, m1, v1], ints: [value.count],
               floats: [step.learningRate, step.beta1, step.beta2, step.epsilon, step.weightDecay,
                        step.correction1, step.correction2],
               groups: Self.groups(items: value.count))
        return (newValue, newM, newV)
    }
}

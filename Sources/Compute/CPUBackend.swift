import Glibc
import Platform

/// The CPU implementation of `Backend`: OpenBLAS SGEMM for convolutions (Winograd F(4x4, 3x3)
/// for the 3x3 ones), element-wise, normalisation and pooling loops; all split across the cores
/// with `DispatchQueue.concurrentPerform`.
public final class CPUBackend: Backend {
    public let deviceName: String

    public init() {
        deviceName = "CPU (OpenBLAS, \(Parallel.coreCount) threads)"
    }

    /// Every op has run when it returns, and the CPU does not fail.
    public func synchronize() {}

    // MARK: Storage access

    /// The host elements of a tensor this backend made.
    func elements(_ tensor: Tensor) -> UnsafeMutableBufferPointer<Float> {
        guard let buffer = tensor.storage as? HostBuffer else {
            preconditionFailure("tensor of shape \(tensor.shape) does not belong to the CPU backend")
        }
        return buffer.elements
    }

    /// A new tensor with uninitialised elements, and those elements for the op to write.
    func allocate(_ shape: Shape) -> (Tensor, UnsafeMutableBufferPointer<Float>) {
        let buffer = HostBuffer(count: shape.count)
        return (Tensor(shape: shape, storage: buffer), buffer.elements)
    }

    /// A new tensor of zeros, and its elements.
    func allocateZeroed(_ shape: Shape) -> (Tensor, UnsafeMutableBufferPointer<Float>) {
        let (tensor, out) = allocate(shape)
        Parallel.chunks(out.count) { out[$0].update(repeating: 0) }
        return (tensor, out)
    }

    // MARK: Memory

    public func upload(_ values: [Float], shape: Shape) -> Tensor {
        precondition(values.count == shape.count, "\(values.count) values for shape \(shape)")
        let (tensor, out) = allocate(shape)
        _ = out.initialize(from: values)
        return tensor
    }

    public func download(_ tensor: Tensor) -> [Float] { Array(elements(tensor)) }

    public func full(_ shape: Shape, value: Float) -> Tensor {
        let (tensor, out) = allocate(shape)
        Parallel.chunks(out.count) { out[$0].update(repeating: value) }
        return tensor
    }

    // MARK: Element-wise

    public func pointwise(_ x: Tensor, _ op: Pointwise) -> Tensor {
        let src = elements(x)
        let (tensor, out) = allocate(x.shape)
        // One loop per case (the switch outside the loop) so each loop is vectorised.
        Parallel.chunks(x.count) { range in
            switch op {
            case .relu: for i in range { out[i] = max(src[i], 0) }
            case .leakyRelu(let slope): for i in range { out[i] = src[i] > 0 ? src[i] : slope * src[i] }
            case .tanh: for i in range { out[i] = tanhf(src[i]) }
            case .sigmoid: for i in range { out[i] = 1 / (1 + expf(-src[i])) }
            case .log: for i in range { out[i] = logf(src[i]) }
            case .abs: for i in range { out[i] = Swift.abs(src[i]) }
            case .softplus: for i in range { let v = src[i]; out[i] = max(v, 0) + log1pf(expf(-Swift.abs(v))) }
            }
        }
        return tensor
    }

    public func pointwiseBackward(_ dy: Tensor, x: Tensor, y: Tensor, _ op: Pointwise) -> Tensor {
        precondition(dy.shape == x.shape && dy.shape == y.shape, "shape mismatch \(dy.shape) \(x.shape) \(y.shape)")
        let g = elements(dy), px = elements(x), py = elements(y)
        let (tensor, out) = allocate(x.shape)
        // Loads are hoisted out of the conditionals so they compile to selects, not branches
        // (a branch on the sign of x mispredicts half the time: 10x slower here).
        Parallel.chunks(x.count) { range in
            switch op {
            case .relu: for i in range { let v = g[i]; out[i] = px[i] > 0 ? v : 0 }
            case .leakyRelu(let slope): for i in range { let v = g[i]; out[i] = px[i] > 0 ? v : slope * v }
            case .tanh: for i in range { out[i] = g[i] * (1 - py[i] * py[i]) }
            case .sigmoid: for i in range { out[i] = g[i] * py[i] * (1 - py[i]) }
            case .log: for i in range { out[i] = g[i] / px[i] }
            case .abs: for i in range { let v = g[i], u = px[i]; out[i] = u > 0 ? v : (u < 0 ? -v : 0) }
            case .softplus: for i in range { out[i] = g[i] / (1 + expf(-px[i])) }
            }
        }
        return tensor
    }

    public func affine(_ x: Tensor, scale: Float, shift: Float) -> Tensor {
        let src = elements(x)
        let (tensor, out) = allocate(x.shape)
        Parallel.chunks(x.count) { range in
            for i in range { out[i] = scale * src[i] + shift }
        }
        return tensor
    }

    /// `a op b` with NCHW broadcasting: a flat loop for equal shapes, else rows with a
    /// per-operand stride of 0 along broadcast axes.
    public func binary(_ a: Tensor, _ b: Tensor, _ op: Binary) -> Tensor {
        let shape = Shape.broadcast(a.shape, b.shape)
        let pa = elements(a), pb = elements(b)
        let (tensor, out) = allocate(shape)
        if a.shape == b.shape {
            Parallel.chunks(shape.count) { range in
                switch op {
                case .add: for i in range { out[i] = pa[i] + pb[i] }
                case .sub: for i in range { out[i] = pa[i] - pb[i] }
                case .mul: for i in range { out[i] = pa[i] * pb[i] }
                case .div: for i in range { out[i] = pa[i] / pb[i] }
                }
            }
            return tensor
        }
        let sa = a.shape, sb = b.shape
        Parallel.forEach(shape.planes, work: shape.count) { plane in
            let n = plane / shape.c, c = plane % shape.c
            let baseA = ((sa.n == 1 ? 0 : n) * sa.c + (sa.c == 1 ? 0 : c)) * sa.planeSize
            let baseB = ((sb.n == 1 ? 0 : n) * sb.c + (sb.c == 1 ? 0 : c)) * sb.planeSize
            let stepA = sa.w == 1 ? 0 : 1, stepB = sb.w == 1 ? 0 : 1
            var o = plane * shape.planeSize
            for y in 0..<shape.h {
                let rowA = baseA + (sa.h == 1 ? 0 : y * sa.w)
                let rowB = baseB + (sb.h == 1 ? 0 : y * sb.w)
                for x in 0..<shape.w {
                    let u = pa[rowA + x * stepA], v = pb[rowB + x * stepB]
                    switch op {
                    case .add: out[o] = u + v
                    case .sub: out[o] = u - v
                    case .mul: out[o] = u * v
                    case .div: out[o] = u / v
                    }
                    o += 1
                }
            }
        }
        return tensor
    }

    // MARK: Reductions

    public func sum(_ x: Tensor, to target: Shape) -> Tensor {
        let s = x.shape
        precondition(s.reduces(to: target), "cannot sum \(s) to \(target)")
        let src = elements(x)
        let (tensor, out) = allocate(target)
        if target.count == 1 {
            out[0] = Float(totalSum(src))
            return tensor
        }
        // One task per output plane; it owns its accumulators (Double, for long sums).
        Parallel.forEach(target.planes, work: s.count) { plane in
            let tn = plane / target.c, tc = plane % target.c
            var acc = [Double](repeating: 0, count: target.planeSize)
            acc.withUnsafeMutableBufferPointer { acc in
                for n in (target.n == 1 ? 0..<s.n : tn..<tn + 1) {
                    for c in (target.c == 1 ? 0..<s.c : tc..<tc + 1) {
                        var i = (n * s.c + c) * s.planeSize
                        for y in 0..<s.h {
                            let row = target.h == 1 ? 0 : y * target.w
                            if target.w == 1 {
                                let first = i
                                acc[row] += blockSum(s.w) { src[first + $0] }
                                i += s.w
                            } else {
                                for x in 0..<s.w { acc[row + x] += Double(src[i]); i += 1 }
                            }
                        }
                    }
                }
                let base = plane * target.planeSize
                for i in 0..<target.planeSize { out[base + i] = Float(acc[i]) }
            }
        }
        return tensor
    }

    /// The sum of all elements, in Double partial sums per chunk.
    private func totalSum(_ src: UnsafeMutableBufferPointer<Float>) -> Double {
        let pieces = max(1, min(4 * Parallel.coreCount, src.count / Parallel.minChunk))
        var partial = [Double](repeating: 0, count: pieces)
        let size = (src.count + pieces - 1) / pieces
        partial.withUnsafeMutableBufferPointer { partial in
            Parallel.forEach(pieces, work: src.count) { p in
                let first = p * size
                partial[p] = blockSum(max(0, min(src.count, first + size) - first)) { src[first + $0] }
            }
        }
        return partial.reduce(0, +)
    }
}

extension CPUBackend {
    public func adam(_ value: Tensor, gradient: Tensor, m: Tensor, v: Tensor, step: AdamStep)
        -> (value: Tensor, m: Tensor, v: Tensor) {
        precondition(gradient.shape == value.shape && m.shape == value.shape && v.shape == value.shape,
                     "Adam shapes")
        let p = elements(value), g = elements(gradient), m0 = elements(m), v0 = elements(v)
        let (newValue, p1) = allocate(value.shape)
        let (newM, m1) = allocate(value.shape)
        let (newV, v1) = allocate(value.shape)
        let c1 = step.correction1, c2 = step.correction2
        Parallel.chunks(value.count) { range in
            for i in range {
                let grad = g[i] + step.weightDecay * p[i]
                m1[i] = step.beta1 * m0[i] + (1 - step.beta1) * grad
                v1[i] = step.beta2 * v0[i] + (1 - step.beta2) * grad * grad
                p1[i] = p[i] - step.learningRate * (m1[i] * c1) / ((v1[i] * c2).squareRoot() + step.epsilon)
            }
        }
        return (newValue, newM, newV)
    }
}

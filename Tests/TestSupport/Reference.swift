import Compute
import Glibc

// Independent direct-loop references (Float64) for the backend ops, written from the
// definitions rather than from any backend's algorithms.

/// A tensor's shape and values on the host.
public struct HostTensor: Sendable {
    public let shape: Shape
    public let values: [Float]

    public init(_ shape: Shape, _ values: [Float]) {
        precondition(shape.count == values.count, "\(values.count) values for \(shape)")
        self.shape = shape
        self.values = values
    }

    public init(_ tensor: Tensor, on backend: any Backend) { self.init(tensor.shape, backend.download(tensor)) }

    /// NCHW element as Float64.
    public subscript(_ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Double {
        Double(values[((n * shape.c + c) * shape.h + y) * shape.w + x])
    }

    /// Zero outside the image (zero padding).
    public func padded(_ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Double {
        y < 0 || y >= shape.h || x < 0 || x >= shape.w ? 0 : self[n, c, y, x]
    }
}

/// Fills an output of `shape` in NCHW order from `value(n, c, y, x)`.
public func tabulate(_ shape: Shape, _ value: (Int, Int, Int, Int) -> Double) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(shape.count)
    for n in 0..<shape.n { for c in 0..<shape.c { for y in 0..<shape.h { for x in 0..<shape.w {
        out.append(value(n, c, y, x))
    } } } }
    return out
}

public enum Reference {
    public static func conv(_ x: HostTensor, _ w: HostTensor, _ bias: HostTensor?, stride: Int, pad: Int) -> [Double] {
        let shape = Shape(x.shape.n, w.shape.n, (x.shape.h + 2 * pad - w.shape.h) / stride + 1,
                          (x.shape.w + 2 * pad - w.shape.w) / stride + 1)
        return tabulate(shape) { n, o, oy, ox in
            var acc = bias.map { Double($0.values[o]) } ?? 0
            for i in 0..<x.shape.c { for ky in 0..<w.shape.h { for kx in 0..<w.shape.w {
                acc += w[o, i, ky, kx] * x.padded(n, i, oy * stride - pad + ky, ox * stride - pad + kx)
            } } }
            return acc
        }
    }

    /// The convolution's input gradient, by scattering each output gradient through the kernel.
    public static func convBackwardInput(_ dy: HostTensor, _ w: HostTensor, inputShape: Shape, stride: Int, pad: Int) -> [Double] {
        var dx = [Double](repeating: 0, count: inputShape.count)
        for n in 0..<dy.shape.n { for o in 0..<dy.shape.c { for oy in 0..<dy.shape.h { for ox in 0..<dy.shape.w {
            for i in 0..<inputShape.c { for ky in 0..<w.shape.h { for kx in 0..<w.shape.w {
                let y = oy * stride - pad + ky, x = ox * stride - pad + kx
                guard y >= 0, y < inputShape.h, x >= 0, x < inputShape.w else { continue }
                dx[((n * inputShape.c + i) * inputShape.h + y) * inputShape.w + x] += dy[n, o, oy, ox] * w[o, i, ky, kx]
            } } }
        } } } }
        return dx
    }

    public static func convBackwardWeight(_ dy: HostTensor, _ x: HostTensor, weightShape: Shape, stride: Int, pad: Int) -> [Double] {
        tabulate(weightShape) { o, i, ky, kx in
            var acc = 0.0
            for n in 0..<dy.shape.n { for oy in 0..<dy.shape.h { for ox in 0..<dy.shape.w {
                acc += dy[n, o, oy, ox] * x.padded(n, i, oy * stride - pad + ky, ox * stride - pad + kx)
            } } }
            return acc
        }
    }

    /// Transposed convolution by scattering: every input pixel adds its weighted kernel to the output.
    public static func convTranspose(_ x: HostTensor, _ w: HostTensor, _ bias: HostTensor?, stride: Int, pad: Int) -> [Double] {
        let shape = Shape(x.shape.n, w.shape.c, (x.shape.h - 1) * stride - 2 * pad + w.shape.h,
                          (x.shape.w - 1) * stride - 2 * pad + w.shape.w)
        var out = tabulate(shape) { _, o, _, _ in bias.map { Double($0.values[o]) } ?? 0 }
        for n in 0..<x.shape.n { for i in 0..<x.shape.c { for iy in 0..<x.shape.h { for ix in 0..<x.shape.w {
            for o in 0..<w.shape.c { for ky in 0..<w.shape.h { for kx in 0..<w.shape.w {
                let oy = iy * stride - pad + ky, ox = ix * stride - pad + kx
                guard oy >= 0, oy < shape.h, ox >= 0, ox < shape.w else { continue }
                out[((n * shape.c + o) * shape.h + oy) * shape.w + ox] += x[n, i, iy, ix] * w[i, o, ky, kx]
            } } }
        } } } }
        return out
    }

    /// Per-plane mean and 1 / sqrt(variance + eps).
    public static func planeStatistics(_ x: HostTensor, eps: Double) -> (mean: [Double], invStd: [Double]) {
        let s = x.shape, m = Double(s.h * s.w)
        var means: [Double] = [], invStds: [Double] = []
        for n in 0..<s.n { for c in 0..<s.c {
            var mean = 0.0, variance = 0.0
            for i in 0..<s.h { for j in 0..<s.w { mean += x[n, c, i, j] } }
            mean /= m
            for i in 0..<s.h { for j in 0..<s.w { variance += (x[n, c, i, j] - mean) * (x[n, c, i, j] - mean) } }
            means.append(mean)
            invStds.append(1 / (variance / m + eps).squareRoot())
        } }
        return (means, invStds)
    }

    public static func instanceNorm(_ x: HostTensor, _ gamma: HostTensor, _ beta: HostTensor, eps: Double,
                                    rectifier: Rectifier?) -> [Double] {
        let (mean, invStd) = planeStatistics(x, eps: eps)
        let slope: Double? = switch rectifier {
        case nil: nil
        case .relu?: 0
        case .leakyRelu(let s)?: Double(s)
        }
        return tabulate(x.shape) { n, c, y, xx in
            let p = n * x.shape.c + c
            let v = (x[n, c, y, xx] - mean[p]) * invStd[p] * Double(gamma.values[c]) + Double(beta.values[c])
            return slope.map { v > 0 ? v : $0 * v } ?? v
        }
    }

    /// Gradients of the affine instance norm (without rectifier) for `dx`, `dGamma`, `dBeta`.
    public static func instanceNormBackward(_ dy: HostTensor, _ x: HostTensor, _ gamma: HostTensor, eps: Double) -> [[Double]] {
        let s = x.shape, m = Double(s.h * s.w)
        let (mean, invStd) = planeStatistics(x, eps: eps)
        var dx = [Double](repeating: 0, count: s.count)
        var dGamma = [Double](repeating: 0, count: s.c), dBeta = [Double](repeating: 0, count: s.c)
        for n in 0..<s.n { for c in 0..<s.c {
            let p = n * s.c + c
            var sumD = 0.0, sumDX = 0.0
            for y in 0..<s.h { for xx in 0..<s.w {
                let xhat = (x[n, c, y, xx] - mean[p]) * invStd[p]
                let d = dy[n, c, y, xx] * Double(gamma.values[c])
                sumD += d
                sumDX += d * xhat
                dGamma[c] += dy[n, c, y, xx] * xhat
                dBeta[c] += dy[n, c, y, xx]
            } }
            for y in 0..<s.h { for xx in 0..<s.w {
                let xhat = (x[n, c, y, xx] - mean[p]) * invStd[p]
                let d = dy[n, c, y, xx] * Double(gamma.values[c])
                dx[((n * s.c + c) * s.h + y) * s.w + xx] = invStd[p] / m * (m * d - sumD - xhat * sumDX)
            } }
        } }
        return [dx, dGamma, dBeta]
    }

    /// Max pooling: the maxima, the plane index (`y * W + x`) of the first maximum in row-major
    /// order, and the gradient `dy` routed to those inputs.
    public static func maxPool(_ x: HostTensor, _ dy: HostTensor?, kernel: Int, stride: Int, pad: Int) -> [[Double]] {
        let s = x.shape
        let shape = Shape(s.n, s.c, (s.h + 2 * pad - kernel) / stride + 1, (s.w + 2 * pad - kernel) / stride + 1)
        var best: [Double] = [], winner: [Double] = []
        var dx = [Double](repeating: 0, count: s.count)
        for n in 0..<shape.n { for c in 0..<shape.c { for oy in 0..<shape.h { for ox in 0..<shape.w {
            var top = -Double.infinity, at = 0
            for ky in 0..<kernel { for kx in 0..<kernel {
                let y = oy * stride - pad + ky, xx = ox * stride - pad + kx
                if y >= 0, y < s.h, xx >= 0, xx < s.w, x[n, c, y, xx] > top { (top, at) = (x[n, c, y, xx], y * s.w + xx) }
            } }
            best.append(top)
            winner.append(Double(at))
            if let dy { dx[(n * s.c + c) * s.h * s.w + at] += dy[n, c, oy, ox] }
        } } } }
        return [best, winner, dx]
    }

    /// Softmax over channels, or its logarithm (from log-sum-exp with the maximum taken out).
    public static func softmax(_ x: HostTensor, log: Bool = false) -> [Double] {
        tabulate(x.shape) { n, c, y, xx in
            let peak = (0..<x.shape.c).map { x[n, $0, y, xx] }.max()!
            let total = (0..<x.shape.c).reduce(0.0) { $0 + exp(x[n, $1, y, xx] - peak) }
            return log ? x[n, c, y, xx] - peak - Glibc.log(total) : exp(x[n, c, y, xx] - peak) / total
        }
    }

    /// Gradient through softmax (`y` its output): `y * (dy - sum_c dy * y)`; through log-softmax:
    /// `dy - exp(y) * sum_c dy`.
    public static func softmaxBackward(_ dy: HostTensor, _ y: HostTensor, log: Bool) -> [Double] {
        tabulate(y.shape) { n, c, yy, xx in
            let channels = 0..<y.shape.c
            if log { return dy[n, c, yy, xx] - exp(y[n, c, yy, xx]) * channels.reduce(0.0) { $0 + dy[n, $1, yy, xx] } }
            return y[n, c, yy, xx] * (dy[n, c, yy, xx] - channels.reduce(0.0) { $0 + dy[n, $1, yy, xx] * y[n, $1, yy, xx] })
        }
    }

    public static func laplacian(_ x: HostTensor) -> [Double] {
        tabulate(x.shape) { n, c, y, xx in
            x.padded(n, c, y - 1, xx) + x.padded(n, c, y + 1, xx) + x.padded(n, c, y, xx - 1)
                + x.padded(n, c, y, xx + 1) - 4 * x[n, c, y, xx]
        }
    }

    /// The op's value and its derivative at `x`.
    public static func pointwise(_ op: Pointwise, _ x: Double) -> (value: Double, derivative: Double) {
        switch op {
        case .relu: return (max(x, 0), x > 0 ? 1 : 0)
        case .leakyRelu(let slope): return (x > 0 ? x : Double(slope) * x, x > 0 ? 1 : Double(slope))
        case .tanh: return (Glibc.tanh(x), 1 - Glibc.tanh(x) * Glibc.tanh(x))
        case .sigmoid:
            let s = 1 / (1 + exp(-x))
            return (s, s * (1 - s))
        case .log: return (Glibc.log(x), 1 / x)
        case .abs: return (Swift.abs(x), x > 0 ? 1 : -1)
        case .softplus: return (log1p(exp(-Swift.abs(x))) + max(x, 0), 1 / (1 + exp(-x)))
        }
    }

    /// `a op b` with size-1 dimensions broadcast.
    public static func binary(_ a: HostTensor, _ b: HostTensor, _ op: Binary) -> [Double] {
        let shape = Shape(max(a.shape.n, b.shape.n), max(a.shape.c, b.shape.c), max(a.shape.h, b.shape.h), max(a.shape.w, b.shape.w))
        func at(_ t: HostTensor, _ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Double {
            t[t.shape.n == 1 ? 0 : n, t.shape.c == 1 ? 0 : c, t.shape.h == 1 ? 0 : y, t.shape.w == 1 ? 0 : x]
        }
        return tabulate(shape) { n, c, y, x in
            let (l, r) = (at(a, n, c, y, x), at(b, n, c, y, x))
            switch op {
            case .add: return l + r
            case .sub: return l - r
            case .mul: return l * r
            case .div: return l / r
            }
        }
    }

    /// Sum over the dimensions where `target` has size 1.
    public static func sum(_ x: HostTensor, to target: Shape) -> [Double] {
        var out = [Double](repeating: 0, count: target.count)
        for n in 0..<x.shape.n { for c in 0..<x.shape.c { for y in 0..<x.shape.h { for xx in 0..<x.shape.w {
            let i = (((target.n == 1 ? 0 : n) * target.c + (target.c == 1 ? 0 : c)) * target.h + (target.h == 1 ? 0 : y)) * target.w
                + (target.w == 1 ? 0 : xx)
            out[i] += x[n, c, y, xx]
        } } } }
        return out
    }

    /// One `torch.optim.Adam` step (L2 weight decay) in Float64: the new value, `m` and `v`.
    public static func adam(_ p: HostTensor, _ g: HostTensor, _ m: HostTensor, _ v: HostTensor, step: AdamStep) -> [[Double]] {
        let (b1, b2) = (Double(step.beta1), Double(step.beta2))
        var value: [Double] = [], first: [Double] = [], second: [Double] = []
        for i in p.values.indices {
            let grad = Double(g.values[i]) + Double(step.weightDecay) * Double(p.values[i])
            let mi = b1 * Double(m.values[i]) + (1 - b1) * grad
            let vi = b2 * Double(v.values[i]) + (1 - b2) * grad * grad
            let mhat = mi / (1 - pow(b1, Double(step.t))), vhat = vi / (1 - pow(b2, Double(step.t)))
            value.append(Double(p.values[i]) - Double(step.learningRate) * mhat / (vhat.squareRoot() + Double(step.epsilon)))
            first.append(mi)
            second.append(vi)
        }
        return [value, first, second]
    }
}

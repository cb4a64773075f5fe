import Compute
#if canImport(Glibc)
import Glibc
#endif

// Independent direct-loop references (Float64) for the forward ops, written from the
// definitions rather than from the backend's algorithms.

/// NCHW indexing into a flat array.
struct Grid {
    let shape: Shape
    let values: [Float]
    init(_ tensor: Tensor) { shape = tensor.shape; values = backend.download(tensor) }
    subscript(_ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Double {
        Double(values[((n * shape.c + c) * shape.h + y) * shape.w + x])
    }
    /// Zero outside the image (zero padding).
    func padded(_ n: Int, _ c: Int, _ y: Int, _ x: Int) -> Double {
        y < 0 || y >= shape.h || x < 0 || x >= shape.w ? 0 : self[n, c, y, x]
    }
}

/// Fills an output of `shape` in NCHW order from `value(n, c, y, x)`.
func tabulate(_ shape: Shape, _ value: (Int, Int, Int, Int) -> Double) -> [Double] {
    var out: [Double] = []
    out.reserveCapacity(shape.count)
    for n in 0..<shape.n { for c in 0..<shape.c { for y in 0..<shape.h { for x in 0..<shape.w {
        out.append(value(n, c, y, x))
    } } } }
    return out
}

func referenceConv(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, stride: Int, pad: Int) -> (Shape, [Double]) {
    let gx = Grid(x), gw = Grid(w), b = bias.map(backend.download)
    let shape = Shape(x.shape.n, w.shape.n, (x.shape.h + 2 * pad - w.shape.h) / stride + 1,
                      (x.shape.w + 2 * pad - w.shape.w) / stride + 1)
    return (shape, tabulate(shape) { n, o, oy, ox in
        var acc = b.map { Double($0[o]) } ?? 0
        for i in 0..<x.shape.c { for ky in 0..<w.shape.h { for kx in 0..<w.shape.w {
            acc += gw[o, i, ky, kx] * gx.padded(n, i, oy * stride - pad + ky, ox * stride - pad + kx)
        } } }
        return acc
    })
}

/// Transposed convolution by scattering: every input pixel adds its weighted kernel to the output.
func referenceConvTranspose(_ x: Tensor, _ w: Tensor, _ bias: Tensor?, stride: Int, pad: Int) -> (Shape, [Double]) {
    let gx = Grid(x), gw = Grid(w), b = bias.map(backend.download)
    let shape = Shape(x.shape.n, w.shape.c, (x.shape.h - 1) * stride - 2 * pad + w.shape.h,
                      (x.shape.w - 1) * stride - 2 * pad + w.shape.w)
    var out = tabulate(shape) { _, o, _, _ in b.map { Double($0[o]) } ?? 0 }
    for n in 0..<x.shape.n { for i in 0..<x.shape.c { for iy in 0..<x.shape.h { for ix in 0..<x.shape.w {
        for o in 0..<w.shape.c { for ky in 0..<w.shape.h { for kx in 0..<w.shape.w {
            let oy = iy * stride - pad + ky, ox = ix * stride - pad + kx
            guard oy >= 0, oy < shape.h, ox >= 0, ox < shape.w else { continue }
            out[((n * shape.c + o) * shape.h + oy) * shape.w + ox] += gx[n, i, iy, ix] * gw[i, o, ky, kx]
        } } }
    } } } }
    return (shape, out)
}

func referenceInstanceNorm(_ x: Tensor, _ gamma: [Float], _ beta: [Float], eps: Double) -> [Double] {
    let g = Grid(x), s = x.shape, m = Double(s.planeSize)
    return tabulate(s) { n, c, y, xx in
        var mean = 0.0, variance = 0.0
        for i in 0..<s.h { for j in 0..<s.w { mean += g[n, c, i, j] } }
        mean /= m
        for i in 0..<s.h { for j in 0..<s.w { variance += (g[n, c, i, j] - mean) * (g[n, c, i, j] - mean) } }
        variance /= m
        return (g[n, c, y, xx] - mean) / (variance + eps).squareRoot() * Double(gamma[c]) + Double(beta[c])
    }
}

func referenceMaxPool(_ x: Tensor, kernel: Int, stride: Int, pad: Int) -> [Double] {
    let g = Grid(x), s = x.shape
    let shape = Shape(s.n, s.c, (s.h + 2 * pad - kernel) / stride + 1, (s.w + 2 * pad - kernel) / stride + 1)
    return tabulate(shape) { n, c, oy, ox in
        var best = -Double.infinity
        for ky in 0..<kernel { for kx in 0..<kernel {
            let y = oy * stride - pad + ky, xx = ox * stride - pad + kx
            if y >= 0, y < s.h, xx >= 0, xx < s.w { best = max(best, g[n, c, y, xx]) }
        } }
        return best
    }
}

/// Softmax over channels, or its logarithm (from log-sum-exp with the maximum taken out).
func referenceSoftmax(_ x: Tensor, log: Bool = false) -> [Double] {
    let g = Grid(x)
    return tabulate(x.shape) { n, c, y, xx in
        let peak = (0..<x.shape.c).map { g[n, $0, y, xx] }.max()!
        let total = (0..<x.shape.c).reduce(0.0) { $0 + exp(g[n, $1, y, xx] - peak) }
        return log ? g[n, c, y, xx] - peak - Glibc.log(total) : exp(g[n, c, y, xx] - peak) / total
    }
}

func referenceLaplacian(_ x: Tensor) -> [Double] {
    let g = Grid(x)
    return tabulate(x.shape) { n, c, y, xx in
        g.padded(n, c, y - 1, xx) + g.padded(n, c, y + 1, xx) + g.padded(n, c, y, xx - 1)
            + g.padded(n, c, y, xx + 1) - 4 * g[n, c, y, xx]
    }
}

func tabulateFloat(_ shape: Shape, _ value: (Int, Int, Int, Int) -> Float) -> [Float] {
    tabulate(shape) { Double(value($0, $1, $2, $3)) }.map(Float.init)
}

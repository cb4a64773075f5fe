import Glibc
import Platform

// Per-plane and per-pixel ops: instance norm, softmax over channels, pooling, the Laplacian,
// channel concat/slice. Each parallelises over planes (or samples), which never overlap.
extension CPUBackend {
    // MARK: Instance norm

    public func instanceNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float, rectifier: Rectifier?)
        -> (y: Tensor, mean: Tensor, invStd: Tensor) {
        let s = x.shape
        let affineShape = Shape(1, s.c, 1, 1)
        precondition(gamma.shape == affineShape && beta.shape == affineShape, "instance-norm affine shape")
        let src = elements(x), g = elements(gamma), b = elements(beta)
        let (y, out) = allocate(s)
        let (mean, means) = allocate(Shape(s.n, s.c, 1, 1))
        let (invStd, invStds) = allocate(Shape(s.n, s.c, 1, 1))
        let m = s.planeSize
        Parallel.forEach(s.planes, work: 3 * s.count) { plane in
            let base = plane * m
            let fmu = Float(blockSum(m) { src[base + $0] } / Double(m))
            // Two-pass variance: no cancellation when the mean is large against the spread.
            let squares = blockSum(m) { let d = src[base + $0] - fmu; return d * d }
            let inv = Float(1 / (squares / Double(m) + Double(epsilon)).squareRoot())
            let scale = inv * g[plane % s.c], shift = b[plane % s.c]
            if let slope = rectifier?.negativeSlope {
                for i in base..<base + m {
                    let v = (src[i] - fmu) * scale + shift
                    out[i] = v > 0 ? v : slope * v
                }
            } else {
                for i in base..<base + m { out[i] = (src[i] - fmu) * scale + shift }
            }
            means[plane] = fmu
            invStds[plane] = inv
        }
        return (y, mean, invStd)
    }

    public func instanceNormBackward(_ dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, invStd: Tensor)
        -> (dx: Tensor, dGamma: Tensor, dBeta: Tensor) {
        let s = x.shape
        precondition(dy.shape == s, "instance-norm gradient shape")
        let gy = elements(dy), src = elements(x), g = elements(gamma)
        let means = elements(mean), invStds = elements(invStd)
        let (dx, out) = allocate(s)
        let m = s.planeSize
        // Per-plane sums of dy and dy * xhat; summed over the batch for dBeta and dGamma below.
        var sums = [Double](repeating: 0, count: 2 * s.planes)
        sums.withUnsafeMutableBufferPointer { sums in
            Parallel.forEach(s.planes, work: 3 * s.count) { plane in
                let base = plane * m
                let mu = means[plane], inv = invStds[plane]
                let sumDy = blockSum(m) { gy[base + $0] }
                let sumDyXhat = blockSum(m) { gy[base + $0] * (src[base + $0] - mu) } * Double(inv)
                // dx = gamma * inv / M * (M dy - sum dy - xhat * sum(dy xhat))
                let k = g[plane % s.c] * inv
                let meanDy = Float(sumDy / Double(m)), meanDyXhat = Float(sumDyXhat / Double(m))
                for i in base..<base + m {
                    out[i] = k * (gy[i] - meanDy - (src[i] - mu) * inv * meanDyXhat)
                }
                sums[2 * plane] = sumDy
                sums[2 * plane + 1] = sumDyXhat
            }
        }
        var dBeta = [Float](repeating: 0, count: s.c), dGamma = [Float](repeating: 0, count: s.c)
        for c in 0..<s.c {
            var beta = 0.0, gammaSum = 0.0
            for n in 0..<s.n {
                beta += sums[2 * (n * s.c + c)]
                gammaSum += sums[2 * (n * s.c + c) + 1]
            }
            dBeta[c] = Float(beta)
            dGamma[c] = Float(gammaSum)
        }
        let affineShape = Shape(1, s.c, 1, 1)
        return (dx, upload(dGamma, shape: affineShape), upload(dBeta, shape: affineShape))
    }

    // MARK: Softmax over channels

    public func softmaxChannels(_ x: Tensor) -> Tensor { channelSoftmax(x, log: false) }
    public func softmaxChannelsBackward(_ dy: Tensor, y: Tensor) -> Tensor { channelSoftmaxBackward(dy, y: y, log: false) }
    public func logSoftmaxChannels(_ x: Tensor) -> Tensor { channelSoftmax(x, log: true) }
    public func logSoftmaxChannelsBackward(_ dy: Tensor, y: Tensor) -> Tensor { channelSoftmaxBackward(dy, y: y, log: true) }

    /// Pixels per softmax task: runs of contiguous pixels so the loops over channels vectorise.
    private static let softmaxRun = 1024

    /// Calls `body(base, lo, hi)` for every run of pixels `lo..<hi` of every sample (`base`: the
    /// sample's first element), across the cores, with `scratch` zeroed vectors of the run's length.
    private func forEachPixelRun(_ s: Shape, scratch: Int,
                                 _ body: (Int, Int, Int, [UnsafeMutableBufferPointer<Float>]) -> Void) {
        let p = s.planeSize, runs = (p + Self.softmaxRun - 1) / Self.softmaxRun
        Parallel.forEach(s.n * runs, work: 3 * s.count) { task in
            let lo = (task % runs) * Self.softmaxRun, hi = min(p, lo + Self.softmaxRun)
            let memory = UnsafeMutableBufferPointer<Float>.allocate(capacity: scratch * (hi - lo))
            defer { memory.deallocate() }
            memory.initialize(repeating: 0)
            let vectors = (0..<scratch).map { UnsafeMutableBufferPointer(rebasing: memory[$0 * (hi - lo)..<($0 + 1) * (hi - lo)]) }
            body(task / runs * s.c * p, lo, hi, vectors)
        }
    }

    /// Softmax or log-softmax over channels, from the per-pixel maximum (no overflow).
    private func channelSoftmax(_ x: Tensor, log: Bool) -> Tensor {
        let s = x.shape, p = s.planeSize
        let src = elements(x)
        let (y, out) = allocate(s)
        forEachPixelRun(s, scratch: 2) { base, lo, hi, scratch in
            let peak = scratch[0], total = scratch[1]
            peak.update(repeating: -.infinity)
            for c in 0..<s.c {
                let row = base + c * p
                for i in lo..<hi { peak[i - lo] = max(peak[i - lo], src[row + i]) }
            }
            for c in 0..<s.c {
                let row = base + c * p
                for i in lo..<hi {
                    let e = expf(src[row + i] - peak[i - lo])
                    out[row + i] = e
                    total[i - lo] += e
                }
            }
            for c in 0..<s.c {
                let row = base + c * p
                if log {
                    for i in lo..<hi { out[row + i] = src[row + i] - peak[i - lo] - logf(total[i - lo]) }
                } else {
                    for i in lo..<hi { out[row + i] /= total[i - lo] }
                }
            }
        }
        return y
    }

    /// Softmax: `y * (dy - sum_c dy * y)`; log-softmax: `dy - exp(y) * sum_c dy`.
    private func channelSoftmaxBackward(_ dy: Tensor, y: Tensor, log: Bool) -> Tensor {
        let s = y.shape, p = s.planeSize
        precondition(dy.shape == s, "softmax gradient shape")
        let gy = elements(dy), sy = elements(y)
        let (dx, out) = allocate(s)
        forEachPixelRun(s, scratch: 1) { base, lo, hi, scratch in
            let dot = scratch[0]
            for c in 0..<s.c {
                let row = base + c * p
                if log {
                    for i in lo..<hi { dot[i - lo] += gy[row + i] }
                } else {
                    for i in lo..<hi { dot[i - lo] += gy[row + i] * sy[row + i] }
                }
            }
            for c in 0..<s.c {
                let row = base + c * p
                if log {
                    for i in lo..<hi { out[row + i] = gy[row + i] - expf(sy[row + i]) * dot[i - lo] }
                } else {
                    for i in lo..<hi { out[row + i] = sy[row + i] * (gy[row + i] - dot[i - lo]) }
                }
            }
        }
        return dx
    }

    // MARK: Channels

    public func concatChannels(_ parts: [Tensor]) -> Tensor {
        let shape = Shape.concatenatingChannels(parts.map(\.shape))
        let first = parts[0].shape
        let sources = parts.map { (elements($0), $0.shape.c * first.planeSize) }
        let (y, out) = allocate(shape)
        let sample = shape.c * shape.planeSize
        Parallel.forEach(shape.n, work: shape.count) { n in
            var offset = n * sample
            for (src, size) in sources {
                _ = UnsafeMutableBufferPointer(rebasing: out[offset..<offset + size])
                    .update(fromContentsOf: src[n * size..<(n + 1) * size])
                offset += size
            }
        }
        return y
    }

    public func sliceChannels(_ x: Tensor, _ range: Range<Int>) -> Tensor {
        let s = x.shape
        precondition(range.lowerBound >= 0 && range.upperBound <= s.c, "channels \(range) of \(s)")
        let src = elements(x)
        let shape = Shape(s.n, range.count, s.h, s.w)
        let (y, out) = allocate(shape)
        let size = range.count * s.planeSize
        Parallel.forEach(s.n, work: shape.count) { n in
            let from = (n * s.c + range.lowerBound) * s.planeSize
            _ = UnsafeMutableBufferPointer(rebasing: out[n * size..<(n + 1) * size])
                .update(fromContentsOf: src[from..<from + size])
        }
        return y
    }

    // MARK: Spatial

    public func maxPool2d(_ x: Tensor, geometry pool: PoolGeometry) -> (y: Tensor, argmax: Tensor) {
        let s = x.shape
        let shape = Shape(s.n, s.c, pool.output(s.h), pool.output(s.w))
        let src = elements(x)
        let (y, out) = allocate(shape)
        let (argmax, winners) = allocate(shape)
        let halving = pool == PoolGeometry(kernel: 2, stride: 2)
        Parallel.forEach(s.planes, work: s.count * pool.kernel) { plane in
            let input = plane * s.planeSize
            var o = plane * shape.planeSize
            if halving {
                // The U-Net's 2x2 pooling: eight outputs at a time from 16-wide row loads, with
                // selects instead of compare branches (which mispredict on real data). Ties keep
                // the first maximum in row-major order, as in the general loop below.
                let pairs = SIMD8<Float>(0, 2, 4, 6, 8, 10, 12, 14)
                let rowWidth = Float(s.w)
                for oy in 0..<shape.h {
                    let top = input + 2 * oy * s.w, bottom = top + s.w
                    var ox = 0
                    while ox + 8 <= shape.w {
                        let t = UnsafeRawPointer(src.baseAddress! + top + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
                        let u = UnsafeRawPointer(src.baseAddress! + bottom + 2 * ox).loadUnaligned(as: SIMD16<Float>.self)
                        let right = t.oddHalf .> t.evenHalf, rightBelow = u.oddHalf .> u.evenHalf
                        let upper = t.evenHalf.replacing(with: t.oddHalf, where: right)
                        let lower = u.evenHalf.replacing(with: u.oddHalf, where: rightBelow)
                        let below = lower .> upper
                        let upperAt = SIMD8<Float>(repeating: 0).replacing(with: 1, where: right)
                        let lowerAt = SIMD8<Float>(repeating: rowWidth).replacing(with: rowWidth + 1, where: rightBelow)
                        let at = pairs + Float(2 * oy * s.w + 2 * ox) + upperAt.replacing(with: lowerAt, where: below)
                        UnsafeMutableRawPointer(out.baseAddress! + o).storeBytes(of: upper.replacing(with: lower, where: below),
                                                                                 as: SIMD8<Float>.self)
                        UnsafeMutableRawPointer(winners.baseAddress! + o).storeBytes(of: at, as: SIMD8<Float>.self)
                        ox += 8
                        o += 8
                    }
                    for ox in ox..<shape.w {
                        let i = 2 * ox
                        let a = src[top + i], b = src[top + i + 1], c = src[bottom + i], d = src[bottom + i + 1]
                        let right = b > a, rightBelow = d > c
                        let upper = right ? b : a, lower = rightBelow ? d : c
                        let below = lower > upper
                        out[o] = below ? lower : upper
                        winners[o] = Float(2 * oy * s.w + i + (below ? s.w + (rightBelow ? 1 : 0) : (right ? 1 : 0)))
                        o += 1
                    }
                }
                return
            }
            for oy in 0..<shape.h {
                let y0 = max(0, oy * pool.stride - pool.padding)
                let y1 = min(s.h, oy * pool.stride - pool.padding + pool.kernel)
                for ox in 0..<shape.w {
                    let x0 = max(0, ox * pool.stride - pool.padding)
                    let x1 = min(s.w, ox * pool.stride - pool.padding + pool.kernel)
                    var best = -Float.infinity, at = y0 * s.w + x0
                    for iy in y0..<y1 {
                        for ix in x0..<x1 where src[input + iy * s.w + ix] > best {
                            best = src[input + iy * s.w + ix]
                            at = iy * s.w + ix
                        }
                    }
                    out[o] = best
                    winners[o] = Float(at)
                    o += 1
                }
            }
        }
        return (y, argmax)
    }

    public func maxPool2dBackward(_ dy: Tensor, argmax: Tensor, inputShape s: Shape) -> Tensor {
        precondition(dy.shape == argmax.shape, "max-pool gradient shape")
        let gy = elements(dy), winners = elements(argmax)
        let (dx, out) = allocateZeroed(s)
        let p = dy.shape.planeSize
        Parallel.forEach(s.planes, work: s.count) { plane in
            let input = plane * s.planeSize
            for o in plane * p..<(plane + 1) * p { out[input + Int(winners[o])] += gy[o] }
        }
        return dx
    }

    public func laplacian(_ x: Tensor) -> Tensor {
        let s = x.shape, h = s.h, w = s.w
        let src = elements(x)
        let (y, out) = allocate(s)
        Parallel.forEach(s.planes, work: 5 * s.count) { plane in
            let base = plane * s.planeSize
            for iy in 0..<h {
                for ix in 0..<w {
                    let i = base + iy * w + ix
                    var v = -4 * src[i]
                    if iy > 0 { v += src[i - w] }
                    if iy < h - 1 { v += src[i + w] }
                    if ix > 0 { v += src[i - 1] }
                    if ix < w - 1 { v += src[i + 1] }
                    out[i] = v
                }
            }
        }
        return y
    }
}

/// Exact Euclidean distance transform with anisotropic spacing (Felzenszwalb & Huttenlocher's
/// separable lower-envelope algorithm, linear in the number of voxels).
enum DistanceTransform {
    /// Squared distance in mm^2 from every voxel of `grid` to the nearest `feature` voxel;
    /// `.infinity` everywhere when there is none.
    static func squared(features: [Bool], grid g: Grid, spacing: [Double]) -> [Double] {
        var d = features.map { $0 ? 0.0 : Double.infinity }
        let scratch = Scratch(length: max(g.nx, g.ny, g.nz))
        // One pass per axis: (length, stride between elements, start of each line).
        let passes: [(Int, Int, [Int])] = [
            (g.nx, 1, lineStarts(outer: (g.ny, g.nz), strides: (g.nx, g.nx * g.ny))),
            (g.ny, g.nx, lineStarts(outer: (g.nx, g.nz), strides: (1, g.nx * g.ny))),
            (g.nz, g.nx * g.ny, lineStarts(outer: (g.nx, g.ny), strides: (1, g.nx))),
        ]
        for (axis, (length, stride, starts)) in passes.enumerated() {
            let weight = spacing[axis] * spacing[axis]
            for start in starts {
                scratch.transform(&d, start: start, stride: stride, length: length, weight: weight)
            }
        }
        return d
    }

    private static func lineStarts(outer: (Int, Int), strides: (Int, Int)) -> [Int] {
        var starts: [Int] = []
        starts.reserveCapacity(outer.0 * outer.1)
        for b in 0 ..< outer.1 {
            for a in 0 ..< outer.0 { starts.append(a * strides.0 + b * strides.1) }
        }
        return starts
    }

    /// Buffers for the 1-D transform, reused across lines.
    private final class Scratch {
        var f: [Double], v: [Int], z: [Double]

        init(length: Int) {
            f = [Double](repeating: 0, count: length)
            v = [Int](repeating: 0, count: length)
            z = [Double](repeating: 0, count: length + 1)
        }

        /// d[q] = min_p weight * (q - p)^2 + d[p] along one line; an infinite d (no feature yet)
        /// contributes no parabola.
        func transform(_ d: inout [Double], start: Int, stride: Int, length n: Int, weight w: Double) {
            // Raw buffers: this is the hottest loop of the module, and debug builds would
            // otherwise check exclusivity and bounds on every access.
            f.withUnsafeMutableBufferPointer { f in
                v.withUnsafeMutableBufferPointer { v in
                    z.withUnsafeMutableBufferPointer { z in
                        d.withUnsafeMutableBufferPointer { d in
                            Self.envelope(d, start, stride, n, w, f, v, z)
                        }
                    }
                }
            }
        }

        private static func envelope(_ d: UnsafeMutableBufferPointer<Double>, _ start: Int, _ stride: Int,
                                     _ n: Int, _ w: Double, _ f: UnsafeMutableBufferPointer<Double>,
                                     _ v: UnsafeMutableBufferPointer<Int>, _ z: UnsafeMutableBufferPointer<Double>) {
            var k = -1
            for q in 0 ..< n {
                f[q] = d[start + q * stride]
                guard f[q].isFinite else { continue }
                var s = 0.0
                while k >= 0 {
                    let p = v[k]
                    s = ((f[q] + w * Double(q * q)) - (f[p] + w * Double(p * p))) / (2 * w * Double(q - p))
                    if s > z[k] { break }
                    k -= 1
                }
                k += 1
                v[k] = q
                z[k] = k == 0 ? -.infinity : s
                z[k + 1] = .infinity
            }
            guard k >= 0 else { return }  // no feature on this line: stays infinite
            var j = 0
            for q in 0 ..< n {
                while z[j + 1] < Double(q) { j += 1 }
                let dq = Double(q - v[j])
                d[start + q * stride] = w * dq * dq + f[v[j]]
            }
        }
    }
}

/// The voxels of a `dims` grid (x fastest, `spacing` in mm) within `millimetres` of a voxel of
/// `mask` (Euclidean, between voxel centres): `mask` dilated by a ball of that radius.
public func voxelsWithin(_ millimetres: Double, of mask: [Bool], dims: [Int], spacing: [Double]) -> [Bool] {
    precondition(dims.count == 3 && mask.count == dims.reduce(1, *) && spacing.count == 3, "mask is not on a 3-D grid of dims")
    let limit = millimetres * millimetres
    return DistanceTransform.squared(features: mask, grid: Grid(dims), spacing: spacing).map { $0 <= limit }
}

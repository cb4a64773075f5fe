import Platform

/// Winograd F(4x4, 3x3) for stride-1 3x3 convolutions (Lavin and Gray, 2016).
///
/// Each 4x4 block of outputs ("tile") is computed from its 6x6 input window as
/// `A^T [ (G g G^T) ⊙ (B^T d B) ] A`, summed over input channels. The sum over channels of the
/// element-wise products is 36 independent GEMMs, `M[e] = U[e] * V[e]` with `U[e]: [O, I]` (the
/// transformed weights) and `V[e]: [I, tiles]` (the transformed input): 36 multiplications per
/// tile and channel pair instead of im2col's 144, at a relative error near 1e-6 in Float32.
///
/// Tiles are processed in blocks of whole tile rows (across the batch), sized so that a block's
/// transformed input and output stay in the cache between the transforms and the GEMMs.
struct WinogradPlan {
    let input: Shape      // [N, I, H, W]
    let output: Shape     // [N, O, Ho, Wo]
    let pad: Int
    /// Tiles per output column and per output row (partial tiles at the far edges).
    let tilesY: Int, tilesX: Int
    /// Tile rows per block.
    let rowsPerBlock: Int

    /// Bytes of transformed input and output per block.
    static let blockBytes = 4 << 20

    /// A plan for `conv2d`, or nil when the convolution is not 3x3 with stride 1.
    init?(input: Shape, weight: Shape, geometry: ConvGeometry) {
        guard weight.h == 3, weight.w == 3, geometry.stride == 1, geometry.padding <= 2 else { return nil }
        precondition(weight.c == input.c, "weight \(weight) does not match input \(input)")
        self.input = input
        pad = geometry.padding
        output = Shape(input.n, weight.n, geometry.convOutput(input.h, kernel: 3), geometry.convOutput(input.w, kernel: 3))
        tilesY = (output.h + 3) / 4
        tilesX = (output.w + 3) / 4
        // Blocks fit the cache and are at least as many as the cores.
        let bytesPerTile = 36 * (input.c + output.c) * MemoryLayout<Float>.stride
        let totalRows = input.n * tilesY
        let cacheRows = Self.blockBytes / (bytesPerTile * tilesX)
        rowsPerBlock = max(1, min(cacheRows, (totalRows + Parallel.coreCount - 1) / Parallel.coreCount))
    }

    /// `y += conv(x, weight)` (`y` is pre-filled with zeros or the bias).
    ///
    /// Each core takes whole blocks (input transform, 36 single-threaded GEMMs, output
    /// transform), so a block's data stays in that core's caches and the cores never wait on
    /// each other inside a block.
    func forward(x: ChannelPlanes, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let (inC, outC) = (input.c, output.c)
        let u = HostBuffer(count: 36 * outC * inC)
        transformWeights(weight, into: u.elements.baseAddress!)
        let up = UnsafePointer(u.elements.baseAddress!)
        let totalRows = input.n * tilesY
        let blocks = (totalRows + rowsPerBlock - 1) / rowsPerBlock
        Parallel.forEach(blocks, work: Int.max) { block in
            let rows = block * rowsPerBlock..<min(totalRows, (block + 1) * rowsPerBlock)
            let tiles = rows.count * tilesX
            // m: three floats of slack for the last SIMD chunk (see `transformOutput`).
            let v = HostBuffer(count: 36 * inC * tiles), m = HostBuffer(count: 36 * outC * tiles + 3)
            let (vp, mp) = (v.elements.baseAddress!, m.elements.baseAddress!)
            for c in 0..<inC { transformInput(x, channel: c, rows: rows, into: vp) }
            for e in 0..<36 {
                GEMM.serial(false, false, outC, tiles, inC, up + e * outC * inC, inC,
                            vp + e * inC * tiles, tiles, 0, mp + e * outC * tiles, tiles)
            }
            for o in 0..<outC { transformOutput(mp, channel: o, rows: rows, into: y) }
        }
    }

    /// `U[e][o][i] = (G g G^T)[e]` for every filter `g = weight[o, i]`.
    private func transformWeights(_ weight: UnsafePointer<Float>, into u: UnsafeMutablePointer<Float>) {
        let (inC, outC) = (input.c, output.c)
        Parallel.forEach(outC, work: 36 * outC * inC) { o in
            for i in 0..<inC {
                let g = weight + (o * inC + i) * 9
                // G g down each filter column, then (G g) G^T along each row.
                let c0 = filterTransform(g[0], g[3], g[6])
                let c1 = filterTransform(g[1], g[4], g[7])
                let c2 = filterTransform(g[2], g[5], g[8])
                let step = outC * inC
                func store(_ k: Int, _ s: (Float, Float, Float, Float, Float, Float)) {
                    let p = u + 6 * k * step + o * inC + i
                    p[0] = s.0; p[step] = s.1; p[2 * step] = s.2; p[3 * step] = s.3; p[4 * step] = s.4; p[5 * step] = s.5
                }
                store(0, filterTransform(c0.0, c1.0, c2.0))
                store(1, filterTransform(c0.1, c1.1, c2.1))
                store(2, filterTransform(c0.2, c1.2, c2.2))
                store(3, filterTransform(c0.3, c1.3, c2.3))
                store(4, filterTransform(c0.4, c1.4, c2.4))
                store(5, filterTransform(c0.5, c1.5, c2.5))
            }
        }
    }

    /// Writes `V[e][c][tile]` for the tiles of `rows` (block-local tile index) from channel `c`.
    ///
    /// The six input rows of a tile row are first split by column phase (`x mod 4`), so that the
    /// transform reads four consecutive tiles at once into SIMD lanes.
    private func transformInput(_ x: ChannelPlanes, channel c: Int, rows: Range<Int>,
                                into v: UnsafeMutablePointer<Float>) {
        let (h, w, tx) = (input.h, input.w, tilesX)
        let tiles = rows.count * tx, planeStride = input.c * tiles
        // Tiles 0..<tx in chunks of 4, plus the next tile that columns 4 and 5 read.
        let length = (tx + 3) / 4 * 4 + 4
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 24 * length) { phases in
            let ph = phases.baseAddress!
            for row in rows {
                let (n, ty) = row.quotientAndRemainder(dividingBy: tilesY)
                let plane = x.plane(sample: n, channel: c)
                // ph[(r * 4 + q) * length + t] = x[4 ty - pad + r, 4 t + q - pad], zero outside the image.
                for r in 0..<6 {
                    let iy = ty * 4 - pad + r
                    for q in 0..<4 {
                        let dst = ph + (r * 4 + q) * length
                        guard iy >= 0 && iy < h else {
                            dst.update(repeating: 0, count: length)
                            continue
                        }
                        let src = plane + iy * w + q - pad
                        let first = min(length, (pad - q + 3) / 4)             // first t with 4t + q - pad >= 0
                        let end = max(first, min(length, (w + pad - q + 3) / 4))  // first t with 4t + q - pad >= w
                        dst.update(repeating: 0, count: first)
                        for t in first..<end { dst[t] = src[4 * t] }
                        (dst + end).update(repeating: 0, count: length - end)
                    }
                }
                let out = v + c * tiles + (row - rows.lowerBound) * tx
                for t in stride(from: 0, to: tx, by: 4) {
                    // Column l of a tile's window is phase l (l < 4) or phase l - 4 of the next tile.
                    func column(_ l: Int) -> Six {
                        let six = loadSix(ph + (l & 3) * length + (l >> 2) + t, stride: 4 * length)
                        return inputTransform(six.0, six.1, six.2, six.3, six.4, six.5)
                    }
                    func store(_ k: Int, _ r: Six) {
                        let p = out + 6 * k * planeStride + t, lanes = min(4, tx - t)
                        storeLanes(r.0, p, lanes); storeLanes(r.1, p + planeStride, lanes)
                        storeLanes(r.2, p + 2 * planeStride, lanes); storeLanes(r.3, p + 3 * planeStride, lanes)
                        storeLanes(r.4, p + 4 * planeStride, lanes); storeLanes(r.5, p + 5 * planeStride, lanes)
                    }
                    // B^T d down each column, then (B^T d) B along each row.
                    let k0 = column(0), k1 = column(1), k2 = column(2), k3 = column(3), k4 = column(4), k5 = column(5)
                    store(0, inputTransform(k0.0, k1.0, k2.0, k3.0, k4.0, k5.0))
                    store(1, inputTransform(k0.1, k1.1, k2.1, k3.1, k4.1, k5.1))
                    store(2, inputTransform(k0.2, k1.2, k2.2, k3.2, k4.2, k5.2))
                    store(3, inputTransform(k0.3, k1.3, k2.3, k3.3, k4.3, k5.3))
                    store(4, inputTransform(k0.4, k1.4, k2.4, k3.4, k4.4, k5.4))
                    store(5, inputTransform(k0.5, k1.5, k2.5, k3.5, k4.5, k5.5))
                }
            }
        }
    }

    /// Adds `A^T M A` of each tile of `rows` for output channel `o` into `y`.
    ///
    /// Four consecutive tiles at a time (SIMD lanes); their 4x4 results are gathered by column
    /// phase, then added into the output rows, clipped at the image's far edges. `m` must have
    /// three readable floats past its last tile (lanes past the row's end are computed, not stored).
    private func transformOutput(_ m: UnsafePointer<Float>, channel o: Int, rows: Range<Int>,
                                 into y: UnsafeMutablePointer<Float>) {
        let (ho, wo, tx) = (output.h, output.w, tilesX)
        let tiles = rows.count * tx, planeStride = output.c * tiles
        let length = (tx + 3) / 4 * 4
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 16 * length) { phases in
            let ph = phases.baseAddress!
            for row in rows {
                let (n, ty) = row.quotientAndRemainder(dividingBy: tilesY)
                let src = m + o * tiles + (row - rows.lowerBound) * tx
                for t in stride(from: 0, to: tx, by: 4) {
                    // A^T m down column kk of the 6x6 product.
                    func column(_ kk: Int) -> Four {
                        let six = loadSix(src + kk * planeStride + t, stride: 6 * planeStride)
                        return outputTransform(six.0, six.1, six.2, six.3, six.4, six.5)
                    }
                    func store(_ a: Int, _ r: Four) {
                        let p = UnsafeMutableRawPointer(ph + 4 * a * length + t), s = length * 4
                        p.storeBytes(of: r.0, as: Vector.self); p.storeBytes(of: r.1, toByteOffset: s, as: Vector.self)
                        p.storeBytes(of: r.2, toByteOffset: 2 * s, as: Vector.self)
                        p.storeBytes(of: r.3, toByteOffset: 3 * s, as: Vector.self)
                    }
                    let s0 = column(0), s1 = column(1), s2 = column(2), s3 = column(3), s4 = column(4), s5 = column(5)
                    store(0, outputTransform(s0.0, s1.0, s2.0, s3.0, s4.0, s5.0))
                    store(1, outputTransform(s0.1, s1.1, s2.1, s3.1, s4.1, s5.1))
                    store(2, outputTransform(s0.2, s1.2, s2.2, s3.2, s4.2, s5.2))
                    store(3, outputTransform(s0.3, s1.3, s2.3, s3.3, s4.3, s5.3))
                }
                // ph[(a * 4 + b) * length + t] is output (4 ty + a, 4 t + b).
                let plane = y + (n * output.c + o) * ho * wo
                for a in 0..<min(4, ho - 4 * ty) {
                    let dst = plane + (4 * ty + a) * wo
                    for b in 0..<4 {
                        let p = ph + (a * 4 + b) * length
                        for t in 0..<min(tx, (wo - b + 3) / 4) { dst[4 * t + b] += p[t] }
                    }
                }
            }
        }
    }
}

/// An NCHW input given as the channel concatenation of parts (`[N, C_k, H, W]` each), read in place.
struct ChannelPlanes {
    /// Each part's first element and channel count, in channel order.
    let parts: [(base: UnsafePointer<Float>, channels: Int)]
    let planeSize: Int

    /// The `H x W` plane of channel `c` (of the concatenation) of sample `n`.
    func plane(sample n: Int, channel c: Int) -> UnsafePointer<Float> {
        var c = c
        for part in parts {
            if c < part.channels { return part.base + (n * part.channels + c) * planeSize }
            c -= part.channels
        }
        preconditionFailure("channel past the parts' \(parts.map(\.channels))")
    }
}

/// Four tiles' values, one per lane.
private typealias Vector = SIMD4<Float>
private typealias Six = (Vector, Vector, Vector, Vector, Vector, Vector)
private typealias Four = (Vector, Vector, Vector, Vector)

/// Six vectors of four floats, `stride` floats apart, from `p` on (no alignment needed).
@inline(__always)
private func loadSix(_ p: UnsafePointer<Float>, stride: Int) -> Six {
    let raw = UnsafeRawPointer(p), s = stride * MemoryLayout<Float>.stride
    return (raw.loadUnaligned(as: Vector.self), raw.loadUnaligned(fromByteOffset: s, as: Vector.self),
            raw.loadUnaligned(fromByteOffset: 2 * s, as: Vector.self), raw.loadUnaligned(fromByteOffset: 3 * s, as: Vector.self),
            raw.loadUnaligned(fromByteOffset: 4 * s, as: Vector.self), raw.loadUnaligned(fromByteOffset: 5 * s, as: Vector.self))
}

/// Stores the first `lanes` lanes of `v` at `p` (all four but at a row's last chunk).
@inline(__always)
private func storeLanes(_ v: Vector, _ p: UnsafeMutablePointer<Float>, _ lanes: Int) {
    if lanes == 4 {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Vector.self)
    } else {
        for i in 0..<lanes { p[i] = v[i] }
    }
}

/// One column of `G g` for a 3-tap filter column `(g0, g1, g2)`.
@inline(__always)
private func filterTransform(_ g0: Float, _ g1: Float, _ g2: Float) -> (Float, Float, Float, Float, Float, Float) {
    let a = -(g0 + g2) / 6, b = g1 / 6
    let c = g0 / 24 + g2 / 6, d = g1 / 12
    return (g0 / 4, a - b, a + b, c + d, c - d, g2)
}

/// `B^T d` for six values `d` along one axis of a window.
@inline(__always)
private func inputTransform(_ d0: Vector, _ d1: Vector, _ d2: Vector, _ d3: Vector, _ d4: Vector, _ d5: Vector) -> Six {
    (4 * d0 - 5 * d2 + d4,
     -4 * (d1 + d2) + d3 + d4,
     4 * (d1 - d2) - d3 + d4,
     2 * (d3 - d1) - d2 + d4,
     2 * (d1 - d3) - d2 + d4,
     4 * d1 - 5 * d3 + d5)
}

/// `A^T m` for six values `m` along one axis.
@inline(__always)
private func outputTransform(_ m0: Vector, _ m1: Vector, _ m2: Vector, _ m3: Vector, _ m4: Vector, _ m5: Vector) -> Four {
    let a = m1 + m2, b = m1 - m2, c = m3 + m4, d = m3 - m4
    return (m0 + a + c, b + 2 * d, a + 4 * c, b + 8 * d + m5)
}

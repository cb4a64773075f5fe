import Platform

/// One convolution's sizes, and its three GEMM formulations over im2col tiles.
///
/// Per sample, `y[O, P] = W[O, K] * col[K, P]` with `K = I*kH*kW` and `P = Ho*Wo`. The column
/// matrix is built for a band of output rows at a time so that it stays in the cache
/// (a 64-channel 3x3 conv on 192x160 would otherwise write 70 MB per sample). A 1x1 stride-1
/// unpadded convolution multiplies the NCHW planes directly.
struct ConvPlan {
    let input: Shape      // [N, I, H, W]
    let output: Shape     // [N, O, Ho, Wo]
    let kh: Int, kw: Int, stride: Int, pad: Int

    /// Rows of the column matrix.
    var k: Int { input.c * kh * kw }
    var isDirect: Bool { kh == 1 && kw == 1 && stride == 1 && pad == 0 }

    /// Output rows per column tile: about 1M floats (4 MB) of column matrix, which stays in the
    /// L3 cache between im2col and the GEMM (measured: 0.25M-1M floats perform alike).
    var rowsPerTile: Int { max(1, min(output.h, (1 << 20) / max(1, k * output.w))) }

    init(input: Shape, weight: Shape, geometry: ConvGeometry) {
        precondition(weight.c == input.c, "weight \(weight) does not match input \(input)")
        self.input = input
        kh = weight.h; kw = weight.w
        stride = geometry.stride; pad = geometry.padding
        output = Shape(input.n, weight.n,
                       geometry.convOutput(input.h, kernel: kh), geometry.convOutput(input.w, kernel: kw))
    }

    /// Calls `body(r0, r1)` for each band of output rows.
    private func forEachTile(_ body: (Int, Int) -> Void) {
        let step = isDirect ? output.h : rowsPerTile
        for r0 in Swift.stride(from: 0, to: output.h, by: step) { body(r0, min(output.h, r0 + step)) }
    }

    /// `y += W * col(x)` (`y` is pre-filled with zeros or the bias).
    func forward(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
        let col = ColumnBuffer(count: isDirect ? 0 : k * rowsPerTile * output.w)
        for n in 0..<input.n {
            let xn = x + n * input.c * input.planeSize
            let yn = y + n * output.c * output.planeSize
            forEachTile { r0, r1 in
                let cols = (r1 - r0) * output.w
                let (b, ldb) = isDirect ? (xn, input.planeSize) : (im2col(xn, col.pointer, r0, r1), cols)
                GEMM.parallel(false, false, output.c, cols, k, weight, k, b, ldb, 1, yn + r0 * output.w, output.planeSize)
            }
        }
    }

    /// `dx += col2im(W^T * dy)`.
    func backwardInput(dy: UnsafePointer<Float>, weight: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>) {
        let col = ColumnBuffer(count: isDirect ? 0 : k * rowsPerTile * output.w)
        for n in 0..<input.n {
            let dxn = dx + n * input.c * input.planeSize
            let dyn = dy + n * output.c * output.planeSize
            forEachTile { r0, r1 in
                let cols = (r1 - r0) * output.w
                if isDirect {
                    GEMM.parallel(true, false, k, cols, output.c, weight, k, dyn, output.planeSize, 1, dxn, input.planeSize)
                } else {
                    GEMM.parallel(true, false, k, cols, output.c, weight, k, dyn + r0 * output.w, output.planeSize,
                         0, col.pointer, cols)
                    col2im(col.pointer, dxn, r0, r1)
                }
            }
        }
    }

    /// `dW = sum_n dy_n * col(x_n)^T`; `dW` must be zero on entry.
    func backwardWeight(dy: UnsafePointer<Float>, x: UnsafePointer<Float>, dw: UnsafeMutablePointer<Float>) {
        let col = ColumnBuffer(count: isDirect ? 0 : k * rowsPerTile * output.w)
        for n in 0..<input.n {
            let xn = x + n * input.c * input.planeSize
            let dyn = dy + n * output.c * output.planeSize
            forEachTile { r0, r1 in
                let cols = (r1 - r0) * output.w
                let (b, ldb) = isDirect ? (xn, input.planeSize) : (im2col(xn, col.pointer, r0, r1), cols)
                GEMM.parallel(false, true, output.c, k, cols, dyn + r0 * output.w, output.planeSize, b, ldb, 1, dw, k)
            }
        }
    }

    /// Range of output columns `ox` whose input column `ox*s - p + kj` lies inside the image.
    private func validColumns(_ kj: Int) -> Range<Int> {
        let lo = max(0, ceilDiv(pad - kj, stride))
        let hi = min(output.w, floorDiv(input.w - 1 + pad - kj, stride) + 1)
        return lo..<max(lo, hi)
    }

    /// Writes the column matrix of sample `x` for output rows `r0..<r1`; returns `col`.
    private func im2col(_ x: UnsafePointer<Float>, _ col: UnsafeMutablePointer<Float>,
                        _ r0: Int, _ r1: Int) -> UnsafePointer<Float> {
        let cols = (r1 - r0) * output.w, ow = output.w
        Parallel.forEach(input.c, work: k * cols) { c in
            let plane = x + c * input.planeSize
            for ki in 0..<kh {
                for kj in 0..<kw {
                    var dst = col + ((c * kh + ki) * kw + kj) * cols
                    let valid = validColumns(kj)
                    for oy in r0..<r1 {
                        let iy = oy * stride - pad + ki
                        if iy < 0 || iy >= input.h || valid.isEmpty {
                            dst.update(repeating: 0, count: ow)
                        } else {
                            let src = plane + iy * input.w - pad + kj
                            dst.update(repeating: 0, count: valid.lowerBound)
                            if stride == 1 {
                                (dst + valid.lowerBound).update(from: src + valid.lowerBound, count: valid.count)
                            } else {
                                for ox in valid { dst[ox] = src[ox * stride] }
                            }
                            (dst + valid.upperBound).update(repeating: 0, count: ow - valid.upperBound)
                        }
                        dst += ow
                    }
                }
            }
        }
        return UnsafePointer(col)
    }

    /// Adds the column matrix for output rows `r0..<r1` back onto the image `dx` (one task per channel).
    private func col2im(_ col: UnsafePointer<Float>, _ dx: UnsafeMutablePointer<Float>, _ r0: Int, _ r1: Int) {
        let cols = (r1 - r0) * output.w, ow = output.w
        Parallel.forEach(input.c, work: k * cols) { c in
            let plane = dx + c * input.planeSize
            for ki in 0..<kh {
                for kj in 0..<kw {
                    var src = col + ((c * kh + ki) * kw + kj) * cols
                    let valid = validColumns(kj)
                    for oy in r0..<r1 {
                        let iy = oy * stride - pad + ki
                        if iy >= 0 && iy < input.h {
                            let dst = plane + iy * input.w - pad + kj
                            for ox in valid { dst[ox * stride] += src[ox] }
                        }
                        src += ow
                    }
                }
            }
        }
    }
}

/// Scratch memory for one op's column tiles (pooled like tensors).
private final class ColumnBuffer {
    private let buffer: HostBuffer
    var pointer: UnsafeMutablePointer<Float> { buffer.elements.baseAddress! }
    init(count: Int) { buffer = HostBuffer(count: max(count, 1)) }
}

private func ceilDiv(_ a: Int, _ b: Int) -> Int { -floorDiv(-a, b) }
private func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

extension CPUBackend {
    /// Fills each output plane with its channel's bias, or zeros.
    private func preset(_ shape: Shape, bias: Tensor?) -> (Tensor, UnsafeMutableBufferPointer<Float>) {
        guard let bias else { return allocateZeroed(shape) }
        precondition(bias.shape == Shape(1, shape.c, 1, 1), "bias \(bias.shape) for output \(shape)")
        let b = elements(bias)
        let (tensor, out) = allocate(shape)
        Parallel.forEach(shape.planes, work: shape.count) { plane in
            let base = plane * shape.planeSize
            out[base..<base + shape.planeSize].update(repeating: b[plane % shape.c])
        }
        return (tensor, out)
    }

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor {
        conv2d(concatenating: [x], weight: weight, bias: bias, geometry: geometry)
    }

    /// Winograd reads the parts in place (its input transform takes one channel plane at a time);
    /// im2col convolves their concatenation.
    public func conv2d(concatenating parts: [Tensor], weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor {
        let input = Shape.concatenatingChannels(parts.map(\.shape))
        let wp = elements(weight).baseAddress!
        if let winograd = WinogradPlan(input: input, weight: weight.shape, geometry: geometry) {
            let (y, out) = preset(winograd.output, bias: bias)
            let planes = ChannelPlanes(parts: parts.map { (UnsafePointer(elements($0).baseAddress!), $0.shape.c) },
                                       planeSize: input.planeSize)
            winograd.forward(x: planes, weight: wp, y: out.baseAddress!)
            return y
        }
        let x = parts.count == 1 ? parts[0] : concatChannels(parts)
        let plan = ConvPlan(input: input, weight: weight.shape, geometry: geometry)
        let (y, out) = preset(plan.output, bias: bias)
        plan.forward(x: elements(x).baseAddress!, weight: wp, y: out.baseAddress!)
        return y
    }

    public func conv2dBackwardInput(_ dy: Tensor, weight: Tensor, inputShape: Shape,
                                    geometry: ConvGeometry) -> Tensor {
        let plan = ConvPlan(input: inputShape, weight: weight.shape, geometry: geometry)
        precondition(plan.output == dy.shape, "gradient \(dy.shape) does not match conv output \(plan.output)")
        let (kh, kw, pad) = (weight.shape.h, weight.shape.w, geometry.padding)
        if geometry.stride == 1 && kh == kw && pad <= kh - 1 {
            // A stride-1 input gradient is itself a convolution of dy (with the kernel rotated by
            // 180 degrees and I/O swapped), whose GEMM has the long inner dimension O*kH*kW;
            // col2im's GEMM would have only O.
            return conv2d(dy, weight: rotatedTransposed(weight), bias: nil,
                          geometry: ConvGeometry(stride: 1, padding: kh - 1 - pad))
        }
        let (dx, out) = allocateZeroed(inputShape)
        plan.backwardInput(dy: elements(dy).baseAddress!, weight: elements(weight).baseAddress!, dx: out.baseAddress!)
        return dx
    }

    public func conv2dBackwardWeight(_ dy: Tensor, input x: Tensor, weightShape: Shape,
                                     geometry: ConvGeometry) -> Tensor {
        let plan = ConvPlan(input: x.shape, weight: weightShape, geometry: geometry)
        precondition(plan.output == dy.shape, "gradient \(dy.shape) does not match conv output \(plan.output)")
        let (dw, out) = allocateZeroed(weightShape)
        plan.backwardWeight(dy: elements(dy).baseAddress!, x: elements(x).baseAddress!, dw: out.baseAddress!)
        return dw
    }

    /// `w'[i, o, y, x] = w[o, i, kH-1-y, kW-1-x]`: the weight of the adjoint stride-1 convolution.
    private func rotatedTransposed(_ weight: Tensor) -> Tensor {
        let s = weight.shape, src = elements(weight)
        let (tensor, out) = allocate(Shape(s.c, s.n, s.h, s.w))
        for o in 0..<s.n {
            for i in 0..<s.c {
                for y in 0..<s.h {
                    for x in 0..<s.w {
                        out[((i * s.n + o) * s.h + s.h - 1 - y) * s.w + s.w - 1 - x] = src[((o * s.c + i) * s.h + y) * s.w + x]
                    }
                }
            }
        }
        return tensor
    }

    /// The plan of the convolution whose adjoint is this transposed convolution: its input is the
    /// transposed conv's output, its OIHW weight the transposed conv's IOHW weight.
    private func transposedPlan(input x: Shape, weight: Shape, geometry: ConvGeometry) -> ConvPlan {
        let plan = ConvPlan(input: geometry.transposedOutputShape(input: x, weight: weight), weight: weight, geometry: geometry)
        precondition(plan.output == x, "transposed convolution of \(x) is not invertible in shape")
        return plan
    }

    public func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor {
        let plan = transposedPlan(input: x.shape, weight: weight.shape, geometry: geometry)
        let (y, out) = preset(plan.input, bias: bias)
        plan.backwardInput(dy: elements(x).baseAddress!, weight: elements(weight).baseAddress!, dx: out.baseAddress!)
        return y
    }
}
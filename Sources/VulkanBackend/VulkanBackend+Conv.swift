import Compute

/// The sizes of one convolution (input, output, kernel, geometry) as `conv.comp` takes them.
private struct ConvProblem {
    private(set) var input: Shape   // [N, I, H, W]
    private(set) var output: Shape  // [N, O, Ho, Wo]
    let kh: Int, kw: Int
    let geometry: ConvGeometry

    /// The convolution of `input` with an OIHW weight of `weight`'s shape.
    init(input: Shape, weight: Shape, geometry: ConvGeometry) {
        precondition(weight.c == input.c, "weight \(weight) does not match input \(input)")
        self.input = input
        self.geometry = geometry
        kh = weight.h
        kw = weight.w
        output = Shape(input.n, weight.n, geometry.convOutput(input.h, kernel: kh), geometry.convOutput(input.w, kernel: kw))
    }

    /// The GEMM extents of `conv.comp`'s mode (0 forward, 1 input gradient, 2 weight gradient).
    func gemm(_ mode: Mode) -> (m: Int, n: Int, k: Int) {
        let taps = kh * kw
        return switch mode {
        case .forward: (output.c, output.n * output.planeSize, input.c * taps)
        case .inputGradient: (input.c, input.n * input.planeSize, output.c * taps)
        case .weightGradient: (output.c, input.c * taps, output.n * output.planeSize)
        }
    }

    /// `splitC`: channels of the gathered tensor's first part (`conv_gemm.glsl`; `conv.comp` ignores it).
    func push(splitK: Int, splitC: Int) -> [Int] {
        [input.n, input.c, input.h, input.w, output.c, output.h, output.w, kh, kw, geometry.stride, geometry.padding,
         splitK, splitC]
    }

    /// The problem as the packed kernels take it: the channels that `mode`'s product gathers (K's)
    /// padded with zeros to whole words of 8 (`pack_half.comp`).
    func paddedToWords(_ mode: Mode) -> ConvProblem {
        var padded = self
        switch mode {
        case .forward: padded.input.c = Self.wholeWords(input.c)
        case .inputGradient: padded.output.c = Self.wholeWords(output.c)
        case .weightGradient: preconditionFailure("the weight gradient is not packed")
        }
        return padded
    }

    static func wholeWords(_ channels: Int) -> Int { (channels + 7) / 8 * 8 }

    enum Mode: Int32 { case forward, inputGradient, weightGradient }
}

extension VulkanBackend {
    /// Output tile of `conv.comp` (rows and columns).
    private static let tile = 64
    /// Output tile of `conv_tiled.comp` and `conv_coopmat.comp` (rows, columns); `conv_coopmat_packed_wide`
    /// takes 128 rows.
    private static let gemmTile = (m: 64, n: 128)
    /// Shared memory the fp32 ones need at most (conv_tiled: 29 KiB); devices with less use conv.comp.
    /// The tensor-core ones need up to 36 KiB, which every device with VK_NV_cooperative_matrix has (48).
    private static let gemmSharedBytes = 32 << 10
    /// Shared memory of `conv_coopmat_packed_wide` (45 KiB), rounded up.
    private static let wideTileSharedBytes = 48 << 10

    /// The packed tensor-core kernel for `m` rows of C: 128-row tiles where they divide M evenly.
    static func packedTensorCoreKernel(rows m: Int, sharedMemoryBytes: Int) -> (kernel: Kernel, tileRows: Int) {
        m % 128 == 0 && sharedMemoryBytes >= wideTileSharedBytes ? (.convTensorCoresPackedWide, 128)
                                                                 : (.convTensorCoresPacked, gemmTile.m)
    }

    /// Runs a convolution product into `out`: `conv_coopmat.comp` on tensor cores or `conv_tiled.comp`
    /// where they compute it (their `_packed` versions on operands packed by `packHalf` where
    /// `packsHalfOperands`), else `conv.comp` with `splits` slices of K (partial sums side by side).
    /// `b2`, in the forward product alone, holds the gathered input's channels past `b`'s; only
    /// `conv_gemm.glsl` reads it (see `gemmTaps`).
    private func convolve(_ problem: ConvProblem, _ mode: ConvProblem.Mode, a: Tensor, b: Tensor, b2: Tensor? = nil,
                          bias: Tensor?, into out: DeviceBuffer, splits: Int = 1) {
        let (m, n, k) = problem.gemm(mode)
        if let bias { precondition(bias.shape == Shape(1, m, 1, 1), "bias \(bias.shape) for \(m) channels") }
        let constants = [mode.rawValue, bias == nil ? 0 : 1]
        if let taps = gemmTaps(problem, mode) {
            // Columns are the pixels of the convolution's output (for the transposed 2x2, of dy).
            let columns = problem.output.n * problem.output.planeSize
            let packed = packsHalfOperands
            let (kernel, tileRows): (Kernel, Int) = switch (context.tensorCores, packed) {
            case (true, true): Self.packedTensorCoreKernel(rows: m, sharedMemoryBytes: device.capabilities.sharedMemoryBytes)
            case (true, false): (.convTensorCores, Self.gemmTile.m)
            case (false, true): (.convTiledPacked, Self.gemmTile.m)
            case (false, false): (.convTiled, Self.gemmTile.m)
            }
            let launched = packed ? problem.paddedToWords(mode) : problem
            let operands = packed ? packedOperands(problem, mode, a: a, b: b, b2: b2) : [buffer(a), buffer(b)]
            // Unused bindings (the bias, the packed kernels' second part) still need a buffer; never read.
            let bindings = operands + [buffer(bias ?? a), out, packed ? operands[1] : buffer(b2 ?? b)]
            launch(kernel, constants: constants, bindings,
                   ints: launched.push(splitK: k, splitC: b.shape.c),
                   groups: (min(65535, (columns + Self.gemmTile.n - 1) / Self.gemmTile.n),
                            (m + tileRows - 1) / tileRows, taps),
                   detail: " M=\(m) N=\(columns) K=\(launched.gemm(mode).k)")
            return
        }
        precondition(b2 == nil, "conv.comp reads one input")
        let splitK = (k + splits - 1) / splits
        // Unused bindings still need a buffer; the shader never reads it.
        launch(.conv, constants: constants, [buffer(a), buffer(b), buffer(bias ?? a), out],
               ints: problem.push(splitK: splitK, splitC: b.shape.c),
               groups: (min(65535, (n + Self.tile - 1) / Self.tile), (m + Self.tile - 1) / Self.tile, splits))
    }

    /// The weight and the gathered input of `mode`'s product packed as `conv_gemm.glsl` reads them
    /// with PACKED_HALF: the forward convolution's OIHW weight as [O][kH][kW][I] and its input, or
    /// for the transposed 2x2 the weight as [I][kH][kW][O] (read as one sample of O channels whose
    /// pixels are (i, tap)) and dy.
    private func packedOperands(_ problem: ConvProblem, _ mode: ConvProblem.Mode, a: Tensor, b: Tensor,
                                b2: Tensor?) -> [DeviceBuffer] {
        switch mode {
        case .forward:
            return [packedWeight(a, as: a.shape), packHalf([b, b2].compactMap { $0 }, as: problem.input)]
        case .inputGradient:
            let w = a.shape
            return [packedWeight(a, as: Shape(1, w.n, w.c, w.h * w.w)), packHalf([b], as: problem.output)]
        case .weightGradient:
            preconditionFailure("the weight gradient is not packed")
        }
    }

    /// `parts` (NCHW fp32: one tensor, or two whose channels make `shape`'s in that order) as fp16
    /// NHWC words of 8 channels, the last word padded with zeros (`pack_half.comp`).
    private func packHalf(_ parts: [Tensor], as shape: Shape) -> DeviceBuffer {
        precondition((1...2).contains(parts.count) && parts.map(\.shape.count).reduce(0, +) == shape.count,
                     "packing \(parts.map(\.shape)) as \(shape)")
        let words = ConvProblem.wholeWords(shape.c) / 8
        // The shader's tiles: 256 words, `row` (a power of two, at most 8) of a pixel, in one plane.
        var row = 1
        while row < min(words, 8) { row *= 2 }
        let tilePixels = 256 / row
        precondition(shape.n <= 65535 && (shape.planeSize + tilePixels - 1) / tilePixels <= 65535,
                     "packing \(shape): more workgroups than a grid dimension holds")
        let out = allocate(bytes: 16 * words * shape.n * shape.planeSize)
        launch(.packHalf, [buffer(parts[0]), buffer(parts[parts.count - 1]), out],
               ints: [shape.n, shape.c, shape.planeSize, parts.count == 2 ? parts[0].shape.c : shape.c],
               groups: ((shape.planeSize + tilePixels - 1) / tilePixels, (words + row - 1) / row, shape.n))
        return out
    }

    /// `weight` packed by `packHalf` as `shape`, once for as long as its buffer lives.
    private func packedWeight(_ weight: Tensor, as shape: Shape) -> DeviceBuffer {
        let storage = buffer(weight)
        if let packed = storage.packed.withLock({ $0[shape] }) { return packed }
        let packed = packHalf([weight], as: shape)
        storage.packed.withLock { $0[shape] = packed }
        return packed
    }

    /// The workgroup layers (z) of `conv_gemm.glsl` for `mode`, or nil for the products it does not
    /// compute: the weight gradient, and input gradients other than a kernel-equals-stride unpadded
    /// one (the U-Net's upsampling, whose every output pixel takes one tap, one tap per layer).
    private func gemmTaps(_ problem: ConvProblem, _ mode: ConvProblem.Mode) -> Int? {
        guard device.capabilities.sharedMemoryBytes >= Self.gemmSharedBytes else { return nil }
        switch mode {
        case .forward: return 1
        case .inputGradient:
            let g = problem.geometry
            return problem.kh == g.stride && problem.kw == g.stride && g.padding == 0 ? problem.kh * problem.kw : nil
        case .weightGradient: return nil
        }
    }

    public func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor {
        conv2d(concatenating: [x], weight: weight, bias: bias, geometry: geometry)
    }

    /// Two parts are read in place by the GEMM kernels; otherwise they are concatenated first.
    public func conv2d(concatenating parts: [Tensor], weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor {
        let input = Shape.concatenatingChannels(parts.map(\.shape))
        let problem = ConvProblem(input: input, weight: weight.shape, geometry: geometry)
        let inPlace = parts.count == 1 || (parts.count == 2 && gemmTaps(problem, .forward) != nil)
        let x = inPlace ? parts : [concatChannels(parts)]
        let (y, out) = allocate(problem.output)
        convolve(problem, .forward, a: weight, b: x[0], b2: x.count == 2 ? x[1] : nil, bias: bias, into: out)
        return y
    }

    public func conv2dBackwardInput(_ dy: Tensor, weight: Tensor, inputShape: Shape, geometry: ConvGeometry) -> Tensor {
        let problem = ConvProblem(input: inputShape, weight: weight.shape, geometry: geometry)
        precondition(problem.output == dy.shape, "gradient \(dy.shape) does not match conv output \(problem.output)")
        let (dx, out) = allocate(inputShape)
        convolve(problem, .inputGradient, a: weight, b: dy, bias: nil, into: out)
        return dx
    }

    /// The reduction runs over every output pixel of the batch while the result is small, so K is
    /// split across workgroups (about 256 in flight, 256 K elements each at least) and the partial
    /// products summed by `sum(to:)`.
    public func conv2dBackwardWeight(_ dy: Tensor, input x: Tensor, weightShape: Shape, geometry: ConvGeometry) -> Tensor {
        let problem = ConvProblem(input: x.shape, weight: weightShape, geometry: geometry)
        precondition(problem.output == dy.shape, "gradient \(dy.shape) does not match conv output \(problem.output)")
        let (m, n, k) = problem.gemm(.weightGradient)
        let tiles = ((m + Self.tile - 1) / Self.tile) * ((n + Self.tile - 1) / Self.tile)
        let splits = max(1, min((k + 255) / 256, (256 + tiles - 1) / tiles))
        let (partial, out) = allocate(Shape(splits, 1, m, n))
        convolve(problem, .weightGradient, a: dy, b: x, bias: nil, into: out, splits: splits)
        let total = splits == 1 ? partial : sum(partial, to: Shape(1, 1, m, n))
        return Tensor(shape: weightShape, storage: total.storage)
    }

    /// The convolution whose adjoint a transposed convolution of `x` with an IOHW `weight` is: its
    /// input is the transposed convolution's output, its OIHW weight that same IOHW weight.
    private func transposedProblem(input x: Shape, weight: Shape, geometry: ConvGeometry) -> ConvProblem {
        let problem = ConvProblem(input: geometry.transposedOutputShape(input: x, weight: weight), weight: weight,
                                  geometry: geometry)
        precondition(problem.output == x, "transposed convolution of \(x) is not invertible in shape")
        return problem
    }

    public func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor {
        let problem = transposedProblem(input: x.shape, weight: weight.shape, geometry: geometry)
        let (y, out) = allocate(problem.input)
        convolve(problem, .inputGradient, a: weight, b: x, bias: bias, into: out)
        return y
    }
}

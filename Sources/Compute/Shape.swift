/// The extent of an NCHW tensor: batch, channels, height, width.
///
/// Every tensor is four-dimensional; lower-rank values use 1 for the unused leading axes
/// (a bias is `[1, C, 1, 1]`, a scalar `[1, 1, 1, 1]`, a convolution weight `[O, I, kH, kW]`).
public struct Shape: Hashable, Sendable, CustomStringConvertible {
    public var n: Int
    public var c: Int
    public var h: Int
    public var w: Int

    public init(_ n: Int, _ c: Int, _ h: Int, _ w: Int) {
        precondition(n >= 0 && c >= 0 && h >= 0 && w >= 0, "negative extent in shape [\(n), \(c), \(h), \(w)]")
        self.n = n; self.c = c; self.h = h; self.w = w
    }

    /// The shape of a single value, the result of a full reduction.
    public static let scalar = Shape(1, 1, 1, 1)

    /// Number of elements.
    public var count: Int { n * c * h * w }
    /// Elements in one `H x W` plane.
    public var planeSize: Int { h * w }
    /// Number of `H x W` planes (`N * C`).
    public var planes: Int { n * c }
    /// The extents as an array, in NCHW order.
    public var dims: [Int] { [n, c, h, w] }

    public var description: String { "[\(n), \(c), \(h), \(w)]" }

    /// The shape two operands broadcast to: per axis the extents must match or one must be 1.
    public static func broadcast(_ a: Shape, _ b: Shape) -> Shape {
        func axis(_ x: Int, _ y: Int) -> Int {
            precondition(x == y || x == 1 || y == 1, "shapes \(a) and \(b) do not broadcast")
            return max(x, y)
        }
        return Shape(axis(a.n, b.n), axis(a.c, b.c), axis(a.h, b.h), axis(a.w, b.w))
    }

    /// Whether a tensor of this shape can be summed down to `target` (each target axis is 1 or equal).
    public func reduces(to target: Shape) -> Bool {
        zip(dims, target.dims).allSatisfy { $1 == $0 || $1 == 1 }
    }
}

extension Shape {
    /// The shape of tensors of these shapes concatenated along channels (N, H and W must agree).
    public static func concatenatingChannels(_ parts: [Shape]) -> Shape {
        precondition(!parts.isEmpty, "concat of no tensors")
        let first = parts[0]
        precondition(parts.allSatisfy { $0.n == first.n && $0.h == first.h && $0.w == first.w },
                     "concat needs equal N, H, W: \(parts)")
        return Shape(first.n, parts.reduce(0) { $0 + $1.c }, first.h, first.w)
    }
}

extension ConvGeometry {
    /// The output shape of a transposed convolution of `x` with an IOHW `weight`: the input shape of
    /// the convolution it is the adjoint of.
    public func transposedOutputShape(input x: Shape, weight: Shape) -> Shape {
        precondition(weight.n == x.c, "transposed-conv weight \(weight) does not match input \(x)")
        return Shape(x.n, weight.c, transposedOutput(x.h, kernel: weight.h), transposedOutput(x.w, kernel: weight.w))
    }
}

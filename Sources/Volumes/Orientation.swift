import Glibc

/// The voxel order BraTS distributes its studies in (nibabel's "LPS": i toward the patient's
/// left, j toward posterior, k toward superior), which the networks are trained on.
extension Geometry {
    /// Where each voxel axis points, as nibabel's axis codes: for each axis the world direction
    /// (R/L, A/P, S/I) it has most of. BraTS's order is "LPS".
    public var axisCodes: String {
        let a = affine
        return String((0..<3).map { axis -> Character in
            let column = (0..<3).map { a[$0][axis] }
            let world = (0..<3).max { abs(column[$0]) < abs(column[$1]) }!
            return Array(column[world] > 0 ? "RAS" : "LPI")[world]
        })
    }

    /// How to put this grid's voxels in BraTS order: each voxel axis goes to the world axis it is
    /// nearest to (the assignment with the largest summed |cosine|), reversed where it runs against
    /// BraTS's direction. Any storage order (sagittal, coronal, flipped) is reached exactly, without
    /// resampling; an oblique grid is put in the order nearest to it (`obliquityDegrees`).
    public var toBraTSOrder: Reorientation {
        let a = affine
        let columns = (0..<3).map { axis in (0..<3).map { a[$0][axis] } }
        let norms = columns.map { c in max(c.map { $0 * $0 }.reduce(0, +).squareRoot(), .leastNormalMagnitude) }
        // worldOf[axis]: the world axis voxel axis `axis` is assigned to.
        let worldOf = Self.permutations.max { p, q in
            Self.score(p, columns, norms) < Self.score(q, columns, norms)
        }!
        var axes = [0, 0, 0], flips = [false, false, false]
        for axis in 0..<3 {
            let world = worldOf[axis]
            axes[world] = axis
            // BraTS runs toward patient left (-x in RAS), posterior (-y) and superior (+z).
            let component = columns[axis][world]
            flips[world] = world == 2 ? component < 0 : component > 0
        }
        return Reorientation(axes: axes, flips: flips)
    }

    /// The largest angle, in degrees, between a voxel axis and the world axis `toBraTSOrder`
    /// assigns it to: 0 for a grid aligned with the patient's axes.
    public var obliquityDegrees: Double {
        let a = affine
        let order = toBraTSOrder
        return (0..<3).map { world -> Double in
            let column = (0..<3).map { a[$0][order.axes[world]] }
            let norm = column.map { $0 * $0 }.reduce(0, +).squareRoot()
            guard norm > 0 else { return 90 }
            return acos(min(1, abs(column[world]) / norm)) * 180 / .pi
        }.max()!
    }

    private static let permutations = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]]

    private static func score(_ worldOf: [Int], _ columns: [[Double]], _ norms: [Double]) -> Double {
        (0..<3).map { abs(columns[$0][worldOf[$0]]) / norms[$0] }.reduce(0, +)
    }
}

/// A rearrangement of a voxel grid by an axis permutation and flips (no resampling): how a study
/// stored in any order is put in BraTS order, and back.
public struct Reorientation: Equatable, Sendable {
    /// `axes[a]`: the stored axis that becomes axis `a` of the rearranged grid.
    public let axes: [Int]
    /// `flips[a]`: that stored axis is read in reverse.
    public let flips: [Bool]

    public init(axes: [Int], flips: [Bool]) {
        precondition(axes.sorted() == [0, 1, 2] && flips.count == 3, "axes must permute 0, 1, 2")
        self.axes = axes
        self.flips = flips
    }

    public static let identity = Reorientation(axes: [0, 1, 2], flips: [false, false, false])

    /// Whether the stored slices (the third axis) stay the third axis: an axial acquisition.
    public var keepsSliceAxis: Bool { axes[2] == 2 }

    /// The rearranged grid's size (or spacing) from the stored one.
    public func rearranged<T>(_ perAxis: [T]) -> [T] { axes.map { perAxis[$0] } }

    /// `values` (x fastest on a stored grid of `dims`) rearranged.
    public func apply<T>(_ values: [T], dims: [Int]) -> [T] {
        guard self != .identity else { return values }
        var out = values
        visit(dims: dims) { target, source in out[target] = values[source] }
        return out
    }

    /// The inverse of `apply`: rearranged `values` back on the stored grid of `dims`.
    public func invert<T>(_ values: [T], dims: [Int]) -> [T] {
        guard self != .identity else { return values }
        var out = values
        visit(dims: dims) { target, source in out[source] = values[target] }
        return out
    }

    /// Calls `body` with each rearranged index and the stored index it reads.
    private func visit(dims: [Int], _ body: (Int, Int) -> Void) {
        let strides = [1, dims[0], dims[0] * dims[1]]
        let n = rearranged(dims)
        // Stored offset of rearranged coordinate 0 along axis a, and its step.
        let step = (0..<3).map { flips[$0] ? -strides[axes[$0]] : strides[axes[$0]] }
        let start = (0..<3).map { flips[$0] ? (dims[axes[$0]] - 1) * strides[axes[$0]] : 0 }.reduce(0, +)
        var target = 0
        for z in 0..<n[2] {
            for y in 0..<n[1] {
                var source = start + z * step[2] + y * step[1]
                for _ in 0..<n[0] {
                    body(target, source)
                    target += 1
                    source += step[0]
                }
            }
        }
    }
}

/// A box on a volume's grid, which may extend past the grid (padding reads as 0).
public struct CropWindow: Sendable, Equatable {
    /// First voxel (x, y, z); may be negative when the box is padded past the grid.
    public var origin: [Int]
    /// Size (x, y, z).
    public var size: [Int]

    public init(origin: [Int], size: [Int]) {
        self.origin = origin
        self.size = size
    }

    public var voxelCount: Int { size[0] * size[1] * size[2] }

    /// The smallest box holding every true voxel of `mask`, nil when there is none.
    public static func bounding(_ mask: [Bool], dims: [Int]) -> CropWindow? {
        var lo = dims, hi = [-1, -1, -1]
        var i = 0
        for z in 0..<dims[2] {
            for y in 0..<dims[1] {
                for x in 0..<dims[0] {
                    if mask[i] {
                        lo = [min(lo[0], x), min(lo[1], y), min(lo[2], z)]
                        hi = [max(hi[0], x), max(hi[1], y), max(hi[2], z)]
                    }
                    i += 1
                }
            }
        }
        guard hi[0] >= 0 else { return nil }
        return CropWindow(origin: lo, size: (0..<3).map { hi[$0] - lo[$0] + 1 })
    }

    /// The same box grown symmetrically in x and y to multiples of `multiple` (z is kept: the
    /// network sees axial slices).
    public func padded(toMultipleOf multiple: Int) -> CropWindow {
        var w = self
        for axis in 0..<2 {
            let target = size[axis].roundedUp(toMultipleOf: multiple)
            let extra = target - size[axis]
            w.origin[axis] -= extra / 2
            w.size[axis] = target
        }
        return w
    }

    /// Copies the window out of a volume on a grid of `dims`; voxels outside the grid are `fill`.
    public func extract<T>(_ values: [T], dims: [Int], fill: T) -> [T] {
        var out = [T](repeating: fill, count: voxelCount)
        forEachOverlap(dims: dims) { source, target, run in
            for k in 0..<run { out[target + k] = values[source + k] }
        }
        return out
    }

    /// Writes window-sized `values` back into a `background`-filled volume of `dims` (the inverse of
    /// `extract`; what the window padded past the grid is dropped).
    public func insert<T>(_ values: [T], into dims: [Int], background: T) -> [T] {
        var out = [T](repeating: background, count: dims[0] * dims[1] * dims[2])
        forEachOverlap(dims: dims) { source, target, run in
            for k in 0..<run { out[source + k] = values[target + k] }
        }
        return out
    }

    /// Calls `body(gridIndex, windowIndex, runLength)` for each x-run where window and grid overlap.
    private func forEachOverlap(dims: [Int], _ body: (Int, Int, Int) -> Void) {
        let x0 = max(0, origin[0]), x1 = min(dims[0], origin[0] + size[0])
        let y0 = max(0, origin[1]), y1 = min(dims[1], origin[1] + size[1])
        let z0 = max(0, origin[2]), z1 = min(dims[2], origin[2] + size[2])
        guard x1 > x0, y1 > y0, z1 > z0 else { return }
        for z in z0..<z1 {
            for y in y0..<y1 {
                let grid = x0 + dims[0] * (y + dims[1] * z)
                let window = (x0 - origin[0]) + size[0] * ((y - origin[1]) + size[1] * (z - origin[2]))
                body(grid, window, x1 - x0)
            }
        }
    }
}

extension Int {
    /// The smallest multiple of `multiple` that is at least this value (for non-negative values).
    func roundedUp(toMultipleOf multiple: Int) -> Int {
        (self + multiple - 1) / multiple * multiple
    }
}

/// Dimensions of a 3-D voxel grid, x fastest.
struct Grid: Equatable, Sendable {
    let nx: Int, ny: Int, nz: Int

    init(_ dims: [Int]) { (nx, ny, nz) = (dims[0], dims[1], dims[2]) }
    init(nx: Int, ny: Int, nz: Int) { (self.nx, self.ny, self.nz) = (nx, ny, nz) }

    var count: Int { nx * ny * nz }
    var dims: [Int] { [nx, ny, nz] }

    @inline(__always) func index(_ x: Int, _ y: Int, _ z: Int) -> Int { x + nx * (y + ny * z) }

    @inline(__always) func contains(_ x: Int, _ y: Int, _ z: Int) -> Bool {
        x >= 0 && x < nx && y >= 0 && y < ny && z >= 0 && z < nz
    }

    /// The offsets to a voxel's 26 neighbours (sharing a face, an edge or a corner).
    static let neighbours26: [(Int, Int, Int)] = (-1...1).flatMap { dz in
        (-1...1).flatMap { dy in (-1...1).map { dx in (dx, dy, dz) } }
    }.filter { $0 != (0, 0, 0) }

    @inline(__always) func coordinates(_ i: Int) -> (x: Int, y: Int, z: Int) {
        let plane = nx * ny
        let (z, rest) = i.quotientAndRemainder(dividingBy: plane)
        let (y, x) = rest.quotientAndRemainder(dividingBy: nx)
        return (x, y, z)
    }
}

/// An axis-aligned box of voxels, bounds inclusive.
struct Box: Equatable, Sendable {
    var lo: (x: Int, y: Int, z: Int)
    var hi: (x: Int, y: Int, z: Int)

    /// The box of the single voxel `p`.
    init(_ p: (x: Int, y: Int, z: Int)) { (lo, hi) = (p, p) }

    /// Grows the box to contain `p`.
    mutating func include(_ p: (x: Int, y: Int, z: Int)) {
        lo = (min(lo.x, p.x), min(lo.y, p.y), min(lo.z, p.z))
        hi = (max(hi.x, p.x), max(hi.y, p.y), max(hi.z, p.z))
    }

    /// The smallest box holding both.
    func union(_ other: Box) -> Box {
        var box = self
        box.include(other.lo)
        box.include(other.hi)
        return box
    }

    /// The box's own grid (its size along each axis).
    var grid: Grid { Grid(nx: hi.x - lo.x + 1, ny: hi.y - lo.y + 1, nz: hi.z - lo.z + 1) }

    /// The box's voxels of a volume on `outer`, on the box's own grid: `include(i)` tells whether
    /// the voxel with index `i` in `outer` is set.
    func crop(from outer: Grid, where include: (Int) -> Bool) -> [Bool] {
        var out = [Bool](repeating: false, count: grid.count)
        var o = 0
        for z in lo.z ... hi.z {
            for y in lo.y ... hi.y {
                let row = outer.index(0, y, z)
                for x in lo.x ... hi.x {
                    out[o] = include(row + x)
                    o += 1
                }
            }
        }
        return out
    }

    static func == (a: Box, b: Box) -> Bool { a.lo == b.lo && a.hi == b.hi }
}

/// A binary volume.
struct Mask: Sendable {
    let grid: Grid
    var voxels: [Bool]

    var count: Int { voxels.reduce(0) { $0 + ($1 ? 1 : 0) } }

    /// The bounding box of the set voxels, `nil` when there are none.
    var boundingBox: Box? {
        var box: Box?
        for i in voxels.indices where voxels[i] { box.include(grid.coordinates(i)) }
        return box
    }

    /// The voxels inside `box`, on the box's own grid.
    func cropped(to box: Box) -> [Bool] { box.crop(from: grid) { voxels[$0] } }
}

extension Optional where Wrapped == Box {
    /// Grows the box to hold `p`, starting it when there is none yet.
    mutating func include(_ p: (x: Int, y: Int, z: Int)) {
        if self == nil { self = Box(p) } else { self!.include(p) }
    }
}

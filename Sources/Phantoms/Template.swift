import Volumes

/// Real normal anatomy to build phantoms from: the ICBM152 2009a template (T1 and tissue maps).
public struct Template: Sendable {
    public static let t1File = "mni_icbm152_t1_tal_nlin_sym_09a_converted.nii.gz"
    public static let greyMatterFile = "mni_icbm152_gm_tal_nlin_sym_09a_converted.nii.gz"
    public static let whiteMatterFile = "mni_icbm152_wm_tal_nlin_sym_09a_converted.nii.gz"

    public let dims: [Int]
    /// T1 intensity, grey- and white-matter probability, each 0...1, x fastest.
    public let t1: [Float]
    public let greyMatter: [Float]
    public let whiteMatter: [Float]
    /// Centre and size (voxels) of the brain's bounding box.
    public let brainCentre: [Double]
    public let brainExtent: [Double]

    /// Loads the three template volumes from `directory`.
    public init(directory: String, reader: NIfTIReader = NIfTIReader()) throws {
        let t1 = try reader.read(path: directory + "/" + Self.t1File)
        let gm = try reader.read(path: directory + "/" + Self.greyMatterFile)
        let wm = try reader.read(path: directory + "/" + Self.whiteMatterFile)
        dims = t1.dims
        self.t1 = t1.voxels.map { $0 / 255 }
        greyMatter = gm.voxels.map { $0 / 255 }
        whiteMatter = wm.voxels.map { $0 / 255 }
        var lo = [Double](repeating: .infinity, count: 3), hi = [Double](repeating: -.infinity, count: 3)
        for z in 0..<dims[2] {
            for y in 0..<dims[1] {
                for x in 0..<dims[0] where t1.voxels[x + dims[0] * (y + dims[1] * z)] > 0 {
                    for (axis, v) in [x, y, z].enumerated() {
                        lo[axis] = min(lo[axis], Double(v))
                        hi[axis] = max(hi[axis], Double(v))
                    }
                }
            }
        }
        brainCentre = (0..<3).map { (lo[$0] + hi[$0]) / 2 }
        brainExtent = (0..<3).map { hi[$0] - lo[$0] + 1 }
    }

    /// Trilinear samples of (T1, GM, WM) at template voxel coordinates; 0 outside.
    @inlinable func sample(_ x: Double, _ y: Double, _ z: Double) -> (Float, Float, Float) {
        let fx = x.rounded(.down), fy = y.rounded(.down), fz = z.rounded(.down)
        let ix = Int(fx), iy = Int(fy), iz = Int(fz)
        guard ix >= 0, iy >= 0, iz >= 0, ix + 1 < dims[0], iy + 1 < dims[1], iz + 1 < dims[2] else {
            return (0, 0, 0)
        }
        let dx = Float(x - fx), dy = Float(y - fy), dz = Float(z - fz)
        let sx = 1, sy = dims[0], sz = dims[0] * dims[1]
        let base = ix + sy * iy + sz * iz
        func lerp(_ v: [Float]) -> Float {
            let c00 = v[base] * (1 - dx) + v[base + sx] * dx
            let c10 = v[base + sy] * (1 - dx) + v[base + sy + sx] * dx
            let c01 = v[base + sz] * (1 - dx) + v[base + sz + sx] * dx
            let c11 = v[base + sz + sy] * (1 - dx) + v[base + sz + sy + sx] * dx
            return (c00 * (1 - dy) + c10 * dy) * (1 - dz) + (c01 * (1 - dy) + c11 * dy) * dz
        }
        return (lerp(t1), lerp(greyMatter), lerp(whiteMatter))
    }
}

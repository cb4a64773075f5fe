internal import CNIfTI

/// Where a volume's voxels lie in the world: grid size, spacing and the qform/sform transforms.
///
/// It keeps the complete NIfTI-1 header it was read from, so that an output written "like" an input
/// carries exactly the same dims, pixdim, qform, sform and codes (only the datatype and scaling change).
public struct Geometry: Sendable {
    /// Grid size (x, y, z).
    public let dims: [Int]
    /// Voxel size in mm (x, y, z), from pixdim.
    public let spacing: [Double]
    public let qformCode: Int
    public let sformCode: Int
    /// Voxel (i, j, k, 1) to world (x, y, z, 1), 4x4 rows, as libnifti computes them from the header.
    public let qform: [[Double]]
    public let sform: [[Double]]
    /// The header's scaling, as read (slope 0 means "no scaling", as the standard says).
    public let sclSlope: Double
    public let sclInter: Double
    /// The native-byte-order header this geometry came from; the template for writing.
    let header: nifti_1_header

    init(header: nifti_1_header, qform: [[Double]], sform: [[Double]]) {
        self.header = header
        let d = header.dim
        dims = [Int(d.1), Int(d.2), Int(d.3)]
        let p = header.pixdim
        spacing = [Double(p.1), Double(p.2), Double(p.3)].map { abs($0) }
        qformCode = Int(header.qform_code)
        sformCode = Int(header.sform_code)
        self.qform = qform
        self.sform = sform
        sclSlope = Double(header.scl_slope)
        sclInter = Double(header.scl_inter)
    }

    public var voxelCount: Int { dims[0] * dims[1] * dims[2] }

    /// Volume of one voxel in mm^3.
    public var voxelVolume: Double { spacing[0] * spacing[1] * spacing[2] }

    @inlinable public func index(_ x: Int, _ y: Int, _ z: Int) -> Int {
        x + dims[0] * (y + dims[1] * z)
    }

    /// The voxel-to-world affine chosen as nibabel chooses it: the sform when its code is set, else
    /// the qform when its code is set, else nibabel's "base affine" (spacing diagonal, x flipped,
    /// centred on the grid), so that `info --json` agrees with nibabel on every file.
    public var affine: [[Double]] {
        if sformCode > 0 { return sform }
        if qformCode > 0 { return qform }
        let (sx, sy, sz) = (spacing[0], spacing[1], spacing[2])
        return [
            [-sx, 0, 0, Double(dims[0] - 1) / 2 * sx],
            [0, sy, 0, -Double(dims[1] - 1) / 2 * sy],
            [0, 0, sz, -Double(dims[2] - 1) / 2 * sz],
            [0, 0, 0, 1],
        ]
    }

    /// True when both grids have the same dims and their affines agree within `tolerance` mm.
    public func matches(_ other: Geometry, tolerance: Double = 1e-3) -> Bool {
        guard dims == other.dims else { return false }
        return maxAffineDifference(other) <= tolerance
    }

    /// The largest absolute difference between the two affines' entries.
    public func maxAffineDifference(_ other: Geometry) -> Double {
        zip(affine.joined(), other.affine.joined()).map { abs($0 - $1) }.max() ?? 0
    }

    /// A RAS-aligned geometry (positive diagonal affine, identity quaternion), as the ICBM152
    /// template and the phantoms made from it use: voxel (i, j, k) lies at origin + (i, j, k) * spacing.
    public static func axisAligned(dims: [Int], spacing: [Double], origin: [Double]) -> Geometry {
        axisAligned(dims: dims, spacing: spacing, origin: origin, signs: [1, 1, 1])
    }

    /// A 1 mm grid of `dims` in BraTS voxel order (i toward the patient's left, j toward posterior,
    /// k toward superior; sform only), for volumes made in that order.
    public static func bratsOrder(dims: [Int]) -> Geometry {
        axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, Double(dims[1] - 1), 0], signs: [-1, -1, 1])
    }

    /// An axis-aligned grid whose axes point along (`signs`, each 1 or -1) the world axes; the
    /// qform is set only when every sign is positive (its quaternion is the identity).
    public static func axisAligned(dims: [Int], spacing: [Double], origin: [Double], signs: [Double]) -> Geometry {
        let affine = (0..<3).map { r in (0..<3).map { c in r == c ? signs[r] * spacing[r] : 0 } + [origin[r]] }
        return make(dims: dims, spacing: spacing, affine: affine, identityQform: signs == [1, 1, 1])
    }

    /// A grid whose voxel-to-world affine (3 rows of 4) is `affine`, in the sform only: any storage
    /// order or obliquity. The spacing is the length of each voxel axis.
    public static func withAffine(dims: [Int], affine: [[Double]]) -> Geometry {
        let spacing = (0..<3).map { c in (0..<3).map { affine[$0][c] * affine[$0][c] }.reduce(0, +).squareRoot() }
        return make(dims: dims, spacing: spacing, affine: affine, identityQform: false)
    }

    private static func make(dims: [Int], spacing: [Double], affine: [[Double]], identityQform: Bool) -> Geometry {
        var h = nifti_1_header()
        h.sizeof_hdr = 348
        h.dim = (3, Int16(dims[0]), Int16(dims[1]), Int16(dims[2]), 1, 1, 1, 1)
        h.pixdim = (1, Float(spacing[0]), Float(spacing[1]), Float(spacing[2]), 1, 1, 1, 1)
        h.xyzt_units = Int8(NIFTI_UNITS_MM)
        h.datatype = NIfTIDataType.float32.rawValue   // a placeholder: writers set their own
        h.bitpix = 32
        // The qform's quaternion is the identity: it holds only for positive, unrotated axes.
        h.qform_code = identityQform ? Int16(NIFTI_XFORM_SCANNER_ANAT) : 0
        h.sform_code = Int16(NIFTI_XFORM_SCANNER_ANAT)
        h.qoffset_x = Float(affine[0][3])
        h.qoffset_y = Float(affine[1][3])
        h.qoffset_z = Float(affine[2][3])
        func row(_ r: Int) -> (Float, Float, Float, Float) {
            (Float(affine[r][0]), Float(affine[r][1]), Float(affine[r][2]), Float(affine[r][3]))
        }
        h.srow_x = row(0)
        h.srow_y = row(1)
        h.srow_z = row(2)
        h.magic = (0x6E, 0x2B, 0x31, 0)   // "n+1\0"
        h.vox_offset = 352
        return Geometry.fromHeader(h)
    }

    /// Builds a Geometry from a native-order header, letting libnifti compute qform and sform.
    static func fromHeader(_ header: nifti_1_header) -> Geometry {
        // The header was validated by the reader (or built here), so libnifti accepts it.
        let nim = nifti_convert_nhdr2nim(header, nil)!
        defer { nifti_image_free(nim) }
        return Geometry(header: header, qform: rows(of: nim.pointee.qto_xyz),
                        sform: rows(of: nim.pointee.sto_xyz))
    }
}

private func rows(of m: mat44) -> [[Double]] {
    withUnsafeBytes(of: m.m) { raw in
        let f = raw.bindMemory(to: Float.self)
        return (0..<4).map { r in (0..<4).map { c in Double(f[r * 4 + c]) } }
    }
}

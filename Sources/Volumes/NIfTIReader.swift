import Glibc
internal import CNIfTI

/// Reads NIfTI-1 volumes (.nii or .nii.gz).
///
/// libnifti's own `nifti_image_read` pads a truncated .gz with zeros and allocates whatever the header
/// asks for, so the reader checks the header itself, caps the size, and then reads the data through
/// znzlib (libnifti's gzip-transparent I/O), requiring every byte.
public struct NIfTIReader: Sendable {
    public var limits: ReadLimits
    /// Whether symlinks are followed; study folders are read with false, so a link swapped in for
    /// the file or its folder after the folder was validated is refused (`notRegularFile`).
    public var followsLinks: Bool

    public init(limits: ReadLimits = .standard, followsLinks: Bool = true) {
        self.limits = limits
        self.followsLinks = followsLinks
    }

    /// Reads the header only: geometry and datatype, no voxel data. With `expecting`, the file read
    /// must be that file (`replacedSinceChecked` otherwise).
    public func readHeader(path: String, expecting identity: FileIdentity? = nil) throws -> (geometry: Geometry, datatype: NIfTIDataType) {
        let file = try ZnzFile.openForReading(path: path, followingLinks: followsLinks, expecting: identity)
        defer { file.close() }
        let header = try readValidatedHeader(file, path: path)
        return (Geometry.fromHeader(header.header), header.datatype)
    }

    /// Reads the whole volume, scaled by scl_slope/scl_inter. With `expecting`, the file read must be
    /// that file (`replacedSinceChecked` otherwise).
    public func read(path: String, expecting identity: FileIdentity? = nil) throws -> Volume {
        let file = try ZnzFile.openForReading(path: path, followingLinks: followsLinks, expecting: identity)
        defer { file.close() }
        let header = try readValidatedHeader(file, path: path)
        let geometry = Geometry.fromHeader(header.header)
        let count = geometry.voxelCount
        let byteCount = count * header.datatype.bytesPerVoxel

        let skip = Int(header.header.vox_offset) - 348
        if skip > 0 {
            var ignored = [UInt8](repeating: 0, count: skip)
            let n = try ignored.withUnsafeMutableBytes { buffer throws(VolumeError) in try file.read(into: buffer) }
            if n < skip { throw VolumeError.truncatedData(path: path, expectedBytes: byteCount, readBytes: 0) }
        }
        // Read and decoded a chunk at a time: memory holds the decoded voxels and one chunk, not
        // every raw byte as well (a float64 volume's raw bytes are twice its voxels).
        let bytesPerVoxel = header.datatype.bytesPerVoxel
        var chunk = [UInt8](repeating: 0, count: min(byteCount, (4 << 20) / bytesPerVoxel * bytesPerVoxel))
        var voxels = [Float](repeating: 0, count: count)
        var done = 0
        while done < byteCount {
            let want = min(chunk.count, byteCount - done)
            let got = try chunk.withUnsafeMutableBytes { buffer throws(VolumeError) in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<want]))
            }
            guard got == want else {
                throw VolumeError.truncatedData(path: path, expectedBytes: byteCount, readBytes: done + got)
            }
            let first = done / bytesPerVoxel
            chunk.withUnsafeBytes { raw in
                voxels.withUnsafeMutableBufferPointer { out in
                    VoxelDecoder.decode(UnsafeRawBufferPointer(rebasing: raw[..<want]), as: header.datatype,
                                        swapped: header.swapped, into: UnsafeMutableBufferPointer(rebasing: out[first...]))
                }
            }
            done += want
        }
        try file.checkTrailer()
        if header.datatype.isFloatingPoint {
            let bad = voxels.reduce(0) { $1.isFinite ? $0 : $0 + 1 }
            if bad > 0 { throw VolumeError.nonFiniteVoxels(path: path, count: bad) }
        }
        applyScaling(&voxels, slope: header.header.scl_slope, inter: header.header.scl_inter)
        return Volume(geometry: geometry, datatype: header.datatype, voxels: voxels)
    }

    private struct ValidatedHeader {
        var header: nifti_1_header
        var datatype: NIfTIDataType
        var swapped: Bool
    }

    private func readValidatedHeader(_ file: ZnzFile, path: String) throws -> ValidatedHeader {
        var header = nifti_1_header()
        let n = try withUnsafeMutableBytes(of: &header) { buffer throws(VolumeError) in try file.read(into: buffer) }
        guard n == 348 else { throw VolumeError.truncatedHeader(path: path, bytes: n) }

        var swapped = false
        if header.sizeof_hdr != 348 {
            guard header.sizeof_hdr.byteSwapped == 348 else {
                throw VolumeError.notNIfTI(path: path, sizeofHdr: header.sizeof_hdr)
            }
            swap_nifti_header(&header, 1)
            swapped = true
        }
        let magic = withUnsafeBytes(of: header.magic) { Array($0) }
        guard magic == [0x6E, 0x2B, 0x31, 0] else {
            let text = magic.map { (32...126).contains($0) ? String(UnicodeScalar($0)) : "\\x\(String($0, radix: 16))" }
            throw VolumeError.wrongMagic(path: path, magic: "\"" + text.joined() + "\"")
        }
        guard let datatype = NIfTIDataType(rawValue: header.datatype) else {
            throw VolumeError.unsupportedDatatype(path: path, code: header.datatype)
        }
        let d = header.dim
        let dim = [d.0, d.1, d.2, d.3, d.4, d.5, d.6, d.7].map(Int.init)
        let rank = dim[0]
        let reported = Array(dim[1...max(1, min(rank, 7))])
        // Sizes up to the rank must be positive; a 4th or later axis must be 1 (one time point).
        guard (1...7).contains(rank), reported.prefix(3).allSatisfy({ $0 >= 1 }),
              reported.dropFirst(3).allSatisfy({ $0 == 1 })
        else {
            throw VolumeError.invalidDimensions(path: path, dims: reported)
        }
        // Every measurement (volumes in mL, distances in mm, the report's scale) needs a voxel size.
        let p = header.pixdim
        let voxelSize = [p.1, p.2, p.3].prefix(min(rank, 3)).map(Double.init)
        guard voxelSize.allSatisfy({ $0.isFinite && $0 != 0 }) else {
            throw VolumeError.invalidVoxelSize(path: path, pixdim: voxelSize)
        }
        // A 1D or 2D image is a volume with unit sizes (and 1 mm voxels) in the missing directions.
        if rank < 3 {
            for axis in (rank + 1)...3 { setDim(&header, axis, 1) }
            if rank < 2 { header.pixdim.2 = 1 }
            header.pixdim.3 = 1
        }
        header.dim.0 = 3
        let sizes = (1...3).map { Int(dimValue(header, $0)) }
        let (voxels, overflow) = sizes.dropFirst().reduce((sizes[0], false)) { acc, s in
            let (p, o) = acc.0.multipliedReportingOverflow(by: s)
            return (p, acc.1 || o)
        }
        let bytes = voxels.multipliedReportingOverflow(by: datatype.bytesPerVoxel)
        guard !overflow, !bytes.overflow, voxels <= limits.maxVoxels, bytes.partialValue <= limits.maxBytes else {
            throw VolumeError.tooLarge(path: path, voxels: voxels, bytes: bytes.partialValue, limits: limits)
        }
        guard header.vox_offset >= 352, header.vox_offset.isFinite, header.vox_offset < Float(1 << 24) else {
            throw VolumeError.invalidVoxelOffset(path: path, offset: header.vox_offset)
        }
        return ValidatedHeader(header: header, datatype: datatype, swapped: swapped)
    }
}

private func dimValue(_ h: nifti_1_header, _ axis: Int) -> Int16 {
    withUnsafeBytes(of: h.dim) { $0.load(fromByteOffset: axis * 2, as: Int16.self) }
}

private func setDim(_ h: inout nifti_1_header, _ axis: Int, _ value: Int16) {
    withUnsafeMutableBytes(of: &h.dim) { $0.storeBytes(of: value, toByteOffset: axis * 2, as: Int16.self) }
}

/// value * slope + inter, where a slope of 0 (or a non-finite one) means "not scaled" (NIfTI-1 standard).
private func applyScaling(_ voxels: inout [Float], slope: Float, inter: Float) {
    guard slope != 0, slope.isFinite, inter.isFinite, slope != 1 || inter != 0 else { return }
    voxels.withUnsafeMutableBufferPointer { v in
        for i in v.indices { v[i] = v[i] * slope + inter }
    }
}

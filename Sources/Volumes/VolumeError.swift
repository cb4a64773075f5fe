import Platform

/// Why a NIfTI file could not be read or written. Each case names the file and says exactly what is
/// wrong, in one line, so that a rejected study's error.json is actionable.
public enum VolumeError: CategorizedError, Equatable, Sendable {
    case fileNotFound(path: String)
    case notRegularFile(path: String)
    case emptyFile(path: String)
    /// The file at the path is no longer the one found when the study folder was checked.
    case replacedSinceChecked(path: String)
    case unreadable(path: String, reason: String)
    /// This process may not read the file (EACCES): a permission to fix, not a copy still arriving.
    case permissionDenied(path: String, uid: UInt32)
    case truncatedHeader(path: String, bytes: Int)
    case notNIfTI(path: String, sizeofHdr: Int32)
    case wrongMagic(path: String, magic: String)
    case unsupportedDatatype(path: String, code: Int16)
    case invalidDimensions(path: String, dims: [Int])
    case invalidVoxelSize(path: String, pixdim: [Double])
    case tooLarge(path: String, voxels: Int, bytes: Int, limits: ReadLimits)
    case invalidVoxelOffset(path: String, offset: Float)
    case truncatedData(path: String, expectedBytes: Int, readBytes: Int)
    /// The gzip stream holds all the data but stops before its 8-byte trailer (a copy still arriving).
    case gzipTrailerMissing(path: String)
    /// The gzip stream is damaged: zlib's reason, such as "incorrect data check" (CRC-32 mismatch).
    case corruptCompressedData(path: String, reason: String)
    case nonFiniteVoxels(path: String, count: Int)
    case valueOutOfRange(path: String, datatype: NIfTIDataType, value: Float)
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let p): "\(p): no such file"
        case .notRegularFile(let p): "\(p): not a regular file"
        case .emptyFile(let p): "\(p): file is empty (0 bytes)"
        case .replacedSinceChecked(let p):
            "\(p): the file was replaced while the study was being read; a study must not change once handed over"
        case .unreadable(let p, let reason): "\(p): cannot read: \(reason)"
        case .permissionDenied(let p, let uid):
            "\(p): permission denied: uid \(uid) may not read it (make it readable, e.g. chmod g+r, and check the folder's x bit)"
        case .truncatedHeader(let p, let n):
            "\(p): truncated header: \(n) of 348 bytes"
        case .notNIfTI(let p, let size):
            "\(p): not a NIfTI-1 file (sizeof_hdr is \(size), expected 348)"
        case .wrongMagic(let p, let magic):
            "\(p): wrong magic \(magic) (expected \"n+1\"; two-file .hdr/.img pairs are not supported)"
        case .unsupportedDatatype(let p, let code):
            "\(p): unsupported datatype code \(code) (supported: uint8, int8, int16, uint16, int32, float32, float64)"
        case .invalidDimensions(let p, let dims):
            "\(p): invalid dimensions \(dims) (need a 3D volume, every size >= 1, a single time point)"
        case .invalidVoxelSize(let p, let pixdim):
            "\(p): invalid voxel size \(pixdim) (pixdim 1-3 must be non-zero, finite millimetres)"
        case .tooLarge(let p, let voxels, let bytes, let limits):
            "\(p): too large: \(voxels) voxels, \(bytes) bytes (limits: \(limits.maxVoxels) voxels, \(limits.maxBytes) bytes)"
        case .invalidVoxelOffset(let p, let offset):
            offset.isFinite && offset >= 352
                ? "\(p): invalid vox_offset \(offset) (the voxel data must start within 16 MiB of the header)"
                : "\(p): invalid vox_offset \(offset) (must be at least 352, the end of the header)"
        case .truncatedData(let p, let expected, let read):
            "\(p): truncated data: read \(read) of \(expected) bytes"
        case .gzipTrailerMissing(let p): "\(p): gzip stream ends before its trailer (still being copied?)"
        case .corruptCompressedData(let p, let reason): "\(p): damaged gzip data: \(reason)"
        case .nonFiniteVoxels(let p, let count):
            "\(p): \(count) voxels are NaN or infinite"
        case .valueOutOfRange(let p, let datatype, let value):
            "\(p): value \(value) cannot be stored as \(datatype)"
        case .writeFailed(let p, let reason): "\(p): write failed: \(reason)"
        }
    }
}

/// Caps checked against the header before any voxel memory is allocated.
public struct ReadLimits: Equatable, Sendable {
    public var maxVoxels: Int
    public var maxBytes: Int

    public init(maxVoxels: Int, maxBytes: Int) {
        self.maxVoxels = maxVoxels
        self.maxBytes = maxBytes
    }

    /// Room for any clinical 3D MRI (a 512^3 grid) of any supported datatype.
    public static let standard = ReadLimits(maxVoxels: 512 * 512 * 512, maxBytes: 1 << 30)

    /// Voxels over all the volumes of one study (modalities and ground truth, 4 bytes each in
    /// memory): twice `maxVoxels`, so four 512^3 volumes, 2 GiB of voxels (what a gzip bomb of
    /// four small files of zeros declares), are refused from their headers before any is read.
    public var maxStudyVoxels: Int { 2 * maxVoxels }
}

extension VolumeError {
    /// A file we could not write is the output side's fault; anything else is the input's.
    public var category: FailureCategory {
        if case .writeFailed = self { return .outputNotWritable }
        return .badInput
    }

    public var stage: String {
        if case .writeFailed = self { return "write" }
        return "read"
    }
}

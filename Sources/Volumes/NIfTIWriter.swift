import Glibc
import Platform
internal import CNIfTI

/// Writes volumes as NIfTI-1 (.nii, or gzip when the path ends in .gz) on the grid of a reference.
///
/// The output carries the reference's header unchanged (dims, pixdim, qform, sform, codes, units)
/// except for the datatype and scaling, so it overlays the input exactly in any viewer. The file is
/// written beside its destination under a hidden temporary name and renamed into place, so a reader
/// never sees a partial file.
public struct NIfTIWriter: Sendable {
    public init() {}

    public func write(_ voxels: [Float], like geometry: Geometry, as datatype: NIfTIDataType,
                      to path: String) throws {
        precondition(voxels.count == geometry.voxelCount, "voxel count does not match the grid")
        let range = datatype.representableRange
        if let bad = voxels.first(where: { !$0.isFinite || !range.contains(Double($0.rounded())) }) {
            throw VolumeError.valueOutOfRange(path: path, datatype: datatype, value: bad)
        }
        var header = geometry.header
        header.datatype = datatype.rawValue
        header.bitpix = Int16(datatype.bytesPerVoxel * 8)
        header.scl_slope = 1
        header.scl_inter = 0
        header.cal_min = 0
        header.cal_max = 0
        header.vox_offset = 352
        header.magic = (0x6E, 0x2B, 0x31, 0)
        withUnsafeMutableBytes(of: &header.descrip) { d in
            d.initializeMemory(as: UInt8.self, repeating: 0)
            for (i, c) in "ganet-seg".utf8.enumerated() { d[i] = c }
        }
        let data = VoxelDecoder.encode(voxels, as: datatype)

        do {
            try FileSystem.writeAtomically(to: path) { temporary in
                let file: ZnzFile
                do { file = try ZnzFile(creating: temporary, compressed: path.hasSuffix(".gz")) } catch {
                    throw VolumeError.writeFailed(path: path, reason: "cannot create \(temporary)")
                }
                let extender = [UInt8](repeating: 0, count: 4)   // "no extensions"
                let ok = withUnsafeBytes(of: &header) { file.write($0) }
                    && extender.withUnsafeBytes { file.write($0) }
                    && data.withUnsafeBytes { file.write($0) }
                let closed = file.close()
                guard ok, closed else { throw VolumeError.writeFailed(path: path, reason: "short write (disk full?)") }
            }
        } catch let error as SystemError {
            throw VolumeError.writeFailed(path: path, reason: String(cString: strerror(error.code)))
        }
    }

    public func write(_ volume: Volume, as datatype: NIfTIDataType, to path: String) throws {
        try write(volume.voxels, like: volume.geometry, as: datatype, to: path)
    }
}

import Foundation
import Glibc
import Testing
@testable import Volumes

/// Every kind of bad file gets its own exact error, never a crash or an unbounded allocation.
@Suite struct BadInputTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("volumes-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    /// A valid uncompressed int16 volume (4x3x2) as bytes: header, extender, data.
    func validBytes() throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: fixture("int32.nii")))
    }

    func write(_ data: Data, _ name: String, gzip: Bool = false) throws -> String {
        let url = dir.appendingPathComponent(name)
        try data.write(to: url)
        if gzip {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/gzip")
            p.arguments = ["-f", url.path]
            try p.run(); p.waitUntilExit()
            return url.path + ".gz"
        }
        return url.path
    }

    func expectError(_ path: String, _ expected: VolumeError, limits: ReadLimits = .standard, followsLinks: Bool = true,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(throws: expected, sourceLocation: sourceLocation) {
            _ = try NIfTIReader(limits: limits, followsLinks: followsLinks).read(path: path)
        }
    }

    @Test func missingFile() {
        let path = dir.appendingPathComponent("nope.nii").path
        expectError(path, .fileNotFound(path: path))
    }

    @Test func zeroByteFile() throws {
        let path = try write(Data(), "empty.nii")
        expectError(path, .emptyFile(path: path))
    }

    @Test func directoryIsNotARegularFile() {
        expectError(dir.path, .notRegularFile(path: dir.path))
    }

    @Test func truncatedHeader() throws {
        let path = try write(try validBytes().prefix(100), "short.nii")
        expectError(path, .truncatedHeader(path: path, bytes: 100))
    }

    @Test func headerOnlyFile() throws {
        let path = try write(try validBytes().prefix(352), "header-only.nii")
        expectError(path, .truncatedData(path: path, expectedBytes: 27 * 4, readBytes: 0))
    }

    @Test func truncatedGzip() throws {
        // Compress the whole file, then cut the compressed stream in the middle of the data.
        let full = try write(try validBytes(), "whole.nii", gzip: true)
        let gz = try Data(contentsOf: URL(fileURLWithPath: full))
        let path = try write(gz.prefix(gz.count - 40), "cut.nii.gz")
        #expect {
            _ = try NIfTIReader().read(path: path)
        } throws: { error in
            guard case VolumeError.truncatedData(let p, let expected, let read) = error else { return false }
            return p == path && expected == 27 * 4 && read < expected
        }
    }

    /// A gzip copy cut off after the data but before the 8-byte trailer is still arriving.
    @Test func gzipWithoutItsTrailer() throws {
        let full = try write(try validBytes(), "whole.nii", gzip: true)
        let gz = try Data(contentsOf: URL(fileURLWithPath: full))
        let path = try write(gz.prefix(gz.count - 8), "no-trailer.nii.gz")
        expectError(path, .gzipTrailerMissing(path: path))
    }

    /// A trailer whose CRC-32 or length disagrees is a damaged file, not one still arriving: zlib's
    /// failed read used to come out as "read -1 bytes", a truncation the daemon waited on.
    @Test(arguments: [(-8, "incorrect data check"), (-4, "incorrect length check")])
    func gzipWhoseTrailerDisagrees(_ offset: Int, _ reason: String) throws {
        let dims = [64, 64, 64]
        let voxels = (0..<dims.reduce(1, *)).map { Float(UInt32(truncatingIfNeeded: $0 &* 2_654_435_761) >> 8) }
        let whole = dir.appendingPathComponent("big.nii.gz").path
        try NIfTIWriter().write(voxels, like: .axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, 0, 0]),
                                as: .float32, to: whole)
        var gz = try Data(contentsOf: URL(fileURLWithPath: whole))
        gz[gz.count + offset] ^= 0x01
        let path = try write(gz, "damaged.nii.gz")
        expectError(path, .corruptCompressedData(path: path, reason: reason))
        #expect(try NIfTIReader().readHeader(path: path).geometry.dims == dims)
    }

    @Test func wrongMagic() throws {
        var bytes = try validBytes()
        bytes.replaceSubrange(344..<348, with: [0x41, 0x42, 0x43, 0])
        let path = try write(bytes, "magic.nii")
        expectError(path, .wrongMagic(path: path, magic: "\"ABC\\x0\""))
    }

    @Test func notNIfTIAtAll() throws {
        let path = try write(Data(repeating: 0x20, count: 1000), "text.nii")
        expectError(path, .notNIfTI(path: path, sizeofHdr: 0x2020_2020))
    }

    @Test func absurdDimensionsAreRefusedBeforeAllocation() throws {
        var bytes = try validBytes()
        for (offset, value) in [(42, Int16(30000)), (44, 30000), (46, 30000)] {
            withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(offset..<offset + 2, with: $0) }
        }
        let path = try write(bytes, "huge.nii")
        let voxels = 30000 * 30000 * 30000
        expectError(path, .tooLarge(path: path, voxels: voxels, bytes: voxels * 4, limits: .standard))
    }

    @Test func configurableLimits() throws {
        let limits = ReadLimits(maxVoxels: 10, maxBytes: 1 << 20)
        let path = fixture("int32.nii")
        expectError(path, .tooLarge(path: path, voxels: 27, bytes: 108, limits: limits), limits: limits)
    }

    @Test func negativeDimension() throws {
        var bytes = try validBytes()
        withUnsafeBytes(of: Int16(-4).littleEndian) { bytes.replaceSubrange(44..<46, with: $0) }
        let path = try write(bytes, "negative.nii")
        expectError(path, .invalidDimensions(path: path, dims: [3, -4, 3]))
    }

    /// A zero or non-finite voxel size (pixdim 1-3, bytes 80-91) leaves nothing measurable: refused
    /// at the header, before any voxel is read.
    /// (The fixture's voxel is 0.9 x 1.1 x 2.5 mm, as float32.)
    @Test(arguments: [(80, Float(0), [0, Double(Float(1.1)), 2.5]), (88, Float.nan, [Double(Float(0.9)), Double(Float(1.1)), .nan])])
    func voxelSizeMustBeMeasurable(offset: Int, value: Float, expected: [Double]) throws {
        var bytes = try validBytes()
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.replaceSubrange(offset..<offset + 4, with: $0) }
        let path = try write(bytes, "pixdim-\(offset).nii")
        #expect {
            try NIfTIReader().read(path: path)
        } throws: { error in
            guard case .invalidVoxelSize(let p, let pixdim)? = error as? VolumeError else { return false }
            return p == path && pixdim.count == 3 && zip(pixdim, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
        }
    }

    @Test func timeSeriesIsRefused() throws {
        var bytes = try validBytes()
        withUnsafeBytes(of: Int16(4).littleEndian) { bytes.replaceSubrange(40..<42, with: $0) }
        withUnsafeBytes(of: Int16(5).littleEndian) { bytes.replaceSubrange(48..<50, with: $0) }
        let path = try write(bytes, "4d.nii")
        expectError(path, .invalidDimensions(path: path, dims: [3, 3, 3, 5]))
    }

    @Test func unsupportedDatatype() throws {
        var bytes = try validBytes()
        withUnsafeBytes(of: Int16(32).littleEndian) { bytes.replaceSubrange(70..<72, with: $0) }  // complex64
        let path = try write(bytes, "complex.nii")
        expectError(path, .unsupportedDatatype(path: path, code: 32))
    }

    @Test func nonFiniteVoxels() throws {
        let geometry = Geometry.axisAligned(dims: [2, 2, 1], spacing: [1, 1, 1], origin: [0, 0, 0])
        let path = dir.appendingPathComponent("nan.nii").path
        try NIfTIWriter().write([1, 2, 3, 4], like: geometry, as: .float32, to: path)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { bytes.replaceSubrange(352..<356, with: $0) }
        withUnsafeBytes(of: Float.infinity.bitPattern.littleEndian) { bytes.replaceSubrange(360..<364, with: $0) }
        try bytes.write(to: URL(fileURLWithPath: path))
        expectError(path, .nonFiniteVoxels(path: path, count: 2))
    }

    /// vox_offset is a float at byte 108: below the header's end, and absurdly far beyond it, each
    /// with the message that fits.
    @Test(arguments: [(Float(100), "must be at least 352, the end of the header"),
                      (Float(1e9), "the voxel data must start within 16 MiB of the header")])
    func invalidVoxelOffset(_ offset: Float, _ reason: String) throws {
        var bytes = try validBytes()
        withUnsafeBytes(of: offset.bitPattern.littleEndian) { bytes.replaceSubrange(108..<112, with: $0) }
        let path = try write(bytes, "offset-\(Int(offset)).nii")
        expectError(path, .invalidVoxelOffset(path: path, offset: offset))
        #expect(VolumeError.invalidVoxelOffset(path: path, offset: offset).description
                == "\(path): invalid vox_offset \(offset) (\(reason))")
    }

    /// A study's reader never follows a link in the file's place (one swapped in after the folder
    /// was checked); other readers (`info` on a user's link) do.
    @Test func aLinkIsRefusedWhenLinksAreNotFollowed() throws {
        let target = try write(try validBytes(), "target.nii")
        let link = dir.appendingPathComponent("link.nii").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        expectError(link, .notRegularFile(path: link), followsLinks: false)
        #expect(throws: VolumeError.notRegularFile(path: link)) { _ = try NIfTIReader(followsLinks: false).readHeader(path: link) }
        #expect(try NIfTIReader().read(path: link).dims == [3, 3, 3])
    }

    /// A FIFO in a file's place is refused at once, never waited on.
    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let fifo = dir.appendingPathComponent("fifo.nii").path
        #expect(mkfifo(fifo, 0o600) == 0)
        expectError(fifo, .notRegularFile(path: fifo))
    }

    /// A plain file's bytes past the voxel data (here a 64 MiB sparse tail) are not read.
    @Test func aPlainFileIsNotReadPastItsData() throws {
        let path = try write(try validBytes(), "tail.nii")
        let dataEnd = try validBytes().count
        #expect(truncate(path, off_t(64 << 20)) == 0)
        #expect(try NIfTIReader().read(path: path).dims == [3, 3, 3])
        let file = try ZnzFile.openForReading(path: path, followingLinks: false)
        var buffer = [UInt8](repeating: 0, count: dataEnd)
        _ = try buffer.withUnsafeMutableBytes { raw throws(VolumeError) in try file.read(into: raw) }
        try file.checkTrailer()
        #expect(file.position == dataEnd)
    }

    @Test func errorsReadAsOneLine() throws {
        let error = VolumeError.truncatedData(path: "/in/a.nii.gz", expectedBytes: 100, readBytes: 40)
        #expect(error.description == "/in/a.nii.gz: truncated data: read 40 of 100 bytes")
    }
}

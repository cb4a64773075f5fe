import Foundation
import Glibc
@testable import Pipeline
import Testing
import Volumes

/// The bad-input corpus: one damaged study per kind, generated from a valid one, each refused by
/// `Study.load` with its exact error and every input file left as it was.
@Suite struct BadInputCorpusTests {
    /// One kind of damage: what it does to a valid study folder (plain `.nii` files unless the
    /// case asks for gzip) and the error it must give, built from the folder's path.
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var gzip = false
        var limits = ReadLimits.standard
        var damage: @Sendable (_ folder: String) throws -> Void
        var expected: @Sendable (_ folder: String) -> StudyError
        var testDescription: String { name }
    }

    static let dims = [20, 18, 6]
    static let voxels = 20 * 18 * 6

    // MARK: Damage helpers

    static func file(_ folder: String, _ suffix: String, gzip: Bool = false) -> String {
        folder + "/Case_001" + suffix + (gzip ? ".nii.gz" : ".nii")
    }

    /// Overwrites bytes of a plain file at `offset`.
    static func patch(_ path: String, at offset: Int, _ bytes: [UInt8]) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        data.replaceSubrange(offset..<(offset + bytes.count), with: bytes)
        try data.write(to: URL(fileURLWithPath: path))
    }

    static func bytes<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

    static func keep(_ path: String, first count: Int) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        try data.prefix(count).write(to: URL(fileURLWithPath: path))
    }

    static func replace(_ path: String, with voxels: [Float], as datatype: NIfTIDataType) throws {
        let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 2], origin: [-10, -9, -6])
        try NIfTIWriter().write(voxels, like: geometry, as: datatype, to: path)
    }

    static func unreadable(_ error: VolumeError) -> StudyError { .unreadableVolume(error) }

    static func t1(_ folder: String) -> String { file(folder, "_t1") }
    static func t1ce(_ folder: String) -> String { file(folder, "_t1ce") }
    static func t2(_ folder: String) -> String { file(folder, "_t2") }
    static func flair(_ folder: String) -> String { file(folder, "_flair") }
    static func seg(_ folder: String) -> String { file(folder, "_seg") }
    static func t1ceGzip(_ folder: String) -> String { file(folder, "_t1ce", gzip: true) }

    static func editGzip(_ path: String, _ change: (inout Data) -> Void) throws {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        change(&data)
        try data.write(to: URL(fileURLWithPath: path))
    }

    // MARK: The corpus

    static var headerCases: [Case] {
        var cases: [Case] = []
        for (value, label) in [(Int32(0), "zero"), (540, "NIfTI-2"), (1234, "arbitrary")] {
            cases.append(Case(name: "sizeof_hdr \(label)", damage: { try patch(t2($0), at: 0, bytes(value)) },
                              expected: { unreadable(.notNIfTI(path: t2($0), sizeofHdr: value)) }))
        }
        cases.append(Case(name: "sizeof_hdr byte-swapped, magic wrong", damage: {
            try patch(t2($0), at: 0, bytes(Int32(348).byteSwapped))
            try patch(t2($0), at: 344, Array("ni1\0".utf8))
        }, expected: { unreadable(.wrongMagic(path: t2($0), magic: "\"ni1\\x0\"")) }))
        for (magic, shown) in [("ni1\0", "\"ni1\\x0\""), ("XXXX", "\"XXXX\""), ("n+2\0", "\"n+2\\x0\"")] {
            cases.append(Case(name: "magic \(shown)", damage: { try patch(t2($0), at: 344, Array(magic.utf8)) },
                              expected: { unreadable(.wrongMagic(path: t2($0), magic: shown)) }))
        }
        for code: Int16 in [0, 1, 32, 128, 1024, 1280, 1536, 1792, 2048, 2304] {
            cases.append(Case(name: "datatype \(code)", damage: { try patch(t2($0), at: 70, bytes(code)) },
                              expected: { unreadable(.unsupportedDatatype(path: t2($0), code: code)) }))
        }
        let dimCases: [(String, [Int16], [Int])] = [
            ("rank 0", [0, 20, 18, 6, 1, 1, 1, 1], [20]),
            ("rank 8", [8, 20, 18, 6, 1, 1, 1, 1], [20, 18, 6, 1, 1, 1, 1]),
            ("zero width", [3, 20, 0, 6, 1, 1, 1, 1], [20, 0, 6]),
            ("negative depth", [3, 20, 18, -4, 1, 1, 1, 1], [20, 18, -4]),
            ("time series", [4, 20, 18, 6, 3, 1, 1, 1], [20, 18, 6, 3]),
            ("5-D with an extra axis", [5, 20, 18, 6, 1, 2, 1, 1], [20, 18, 6, 1, 2]),
        ]
        for (label, dim, reported) in dimCases {
            cases.append(Case(name: "dims \(label)", damage: { try patch(t2($0), at: 40, dim.flatMap { bytes($0) }) },
                              expected: { unreadable(.invalidDimensions(path: t2($0), dims: reported)) }))
        }
        for offset: Float in [0, 100, 351, 1e9, .infinity, -.infinity] {
            cases.append(Case(name: "vox_offset \(offset)", damage: { try patch(t2($0), at: 108, bytes(offset)) },
                              expected: { unreadable(.invalidVoxelOffset(path: t2($0), offset: offset)) }))
        }
        cases.append(Case(name: "dims beyond any scanner", damage: {
            try patch(t2($0), at: 40, [Int16(3), 30000, 30000, 30000].flatMap { bytes($0) })
        }, expected: {
            unreadable(.tooLarge(path: t2($0), voxels: 27_000_000_000_000, bytes: 54_000_000_000_000, limits: .standard))
        }))
        return cases
    }

    static var fileCases: [Case] {
        var cases: [Case] = [
            Case(name: "empty file", damage: { try keep(flair($0), first: 0) }, expected: { unreadable(.emptyFile(path: flair($0))) }),
            Case(name: "header cut at 100 bytes", damage: { try keep(flair($0), first: 100) },
                 expected: { unreadable(.truncatedHeader(path: flair($0), bytes: 100)) }),
            Case(name: "header only", damage: { try keep(flair($0), first: 352) },
                 expected: { unreadable(.truncatedData(path: flair($0), expectedBytes: 2 * voxels, readBytes: 0)) }),
            Case(name: "data cut in half", damage: { try keep(flair($0), first: 352 + voxels) },
                 expected: { unreadable(.truncatedData(path: flair($0), expectedBytes: 2 * voxels, readBytes: voxels)) }),
            Case(name: "a folder in a modality's place", damage: {
                try FileManager.default.removeItem(atPath: flair($0))
                try FileManager.default.createDirectory(atPath: flair($0), withIntermediateDirectories: false)
            }, expected: { .missingModality(.flair, folder: $0) }),
            Case(name: "a FIFO in a modality's place", damage: {
                try FileManager.default.removeItem(atPath: flair($0))
                #expect(mkfifo(flair($0), 0o600) == 0)
            }, expected: { _ in .unsafeEntry(name: "Case_001_flair.nii", kind: "FIFO") }),
            Case(name: "a link to another file", damage: {
                try FileManager.default.removeItem(atPath: t1($0))
                try FileManager.default.createSymbolicLink(atPath: t1($0), withDestinationPath: flair($0))
            }, expected: { _ in .unsafeEntry(name: "Case_001_t1.nii", kind: "symbolic link") }),
            Case(name: "a link leaving the folder", damage: {
                try FileManager.default.createSymbolicLink(atPath: $0 + "/notes.txt", withDestinationPath: "/etc/passwd")
            }, expected: { _ in .unsafeEntry(name: "notes.txt", kind: "symbolic link") }),
            Case(name: "duplicate modality", damage: {
                try FileManager.default.copyItem(atPath: flair($0), toPath: $0 + "/Case_001_flair.nii.gz")
            }, expected: { .duplicateModality(.flair, files: [$0 + "/Case_001_flair.nii", $0 + "/Case_001_flair.nii.gz"]) }),
            Case(name: "duplicate ground truth", damage: {
                try FileManager.default.copyItem(atPath: seg($0), toPath: $0 + "/Case_001-seg.nii")
            }, expected: { .duplicateGroundTruth(files: [$0 + "/Case_001-seg.nii", $0 + "/Case_001_seg.nii"]) }),
        ]
        for m in Modality.allCases {
            let suffix = ["_t1", "_t1ce", "_t2", "_flair"][m.rawValue]
            cases.append(Case(name: "missing \(m.displayName)", damage: { try FileManager.default.removeItem(atPath: file($0, suffix)) },
                              expected: { .missingModality(m, folder: $0) }))
        }
        return cases
    }

    static var gzipCases: [Case] {
        return [
            Case(name: "gzip cut before its trailer", gzip: true, damage: { try editGzip(t1ceGzip($0)) { $0.removeLast(8) } },
                 expected: { unreadable(.gzipTrailerMissing(path: t1ceGzip($0))) }),
            Case(name: "gzip CRC-32 wrong", gzip: true, damage: { try editGzip(t1ceGzip($0)) { $0[$0.count - 8] ^= 0xFF } },
                 expected: { unreadable(.corruptCompressedData(path: t1ceGzip($0), reason: "incorrect data check")) }),
            Case(name: "gzip length wrong", gzip: true, damage: { try editGzip(t1ceGzip($0)) { $0[$0.count - 4] ^= 0xFF } },
                 expected: { unreadable(.corruptCompressedData(path: t1ceGzip($0), reason: "incorrect length check")) }),
            Case(name: "gzip header only", gzip: true, damage: { try editGzip(t1ceGzip($0)) { $0 = $0.prefix(10) } },
                 expected: { unreadable(.truncatedHeader(path: t1ceGzip($0), bytes: 0)) }),
            Case(name: "gzip of nothing", gzip: true, damage: { try Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0])
                .write(to: URL(fileURLWithPath: t1ceGzip($0))) },
                 expected: { unreadable(.truncatedHeader(path: t1ceGzip($0), bytes: 0)) }),
        ]
    }

    static var contentCases: [Case] {
        let box = brainBox(dims, scale: 100)
        /// `box` as `datatype`, with `value` patched into voxels `at` (the writer refuses non-finite values).
        @Sendable func nonFinite(_ path: String, _ datatype: NIfTIDataType, _ value: Double, at indices: [Int]) throws {
            try replace(path, with: box, as: datatype)
            for i in indices {
                try patch(path, at: 352 + i * datatype.bytesPerVoxel, datatype == .float64 ? bytes(value) : bytes(Float(value)))
            }
        }
        let partial = box.enumerated().map { $0.offset >= 2 * 20 * 18 ? 0 : $0.element }
        let labels = (0..<voxels).map { $0 == 500 ? Float(5) : 0 }
        let mixed = (0..<voxels).map { $0 == 500 ? Float(3) : $0 == 501 ? 4 : 0 }
        return [
            Case(name: "NaN voxels (float32)", damage: { try nonFinite(t1($0), .float32, .nan, at: [100, 200]) },
                 expected: { unreadable(.nonFiniteVoxels(path: t1($0), count: 2)) }),
            Case(name: "NaN voxels (float64)", damage: { try nonFinite(t1($0), .float64, .nan, at: [100, 200]) },
                 expected: { unreadable(.nonFiniteVoxels(path: t1($0), count: 2)) }),
            Case(name: "infinite voxel", damage: { try nonFinite(flair($0), .float32, .infinity, at: [300]) },
                 expected: { unreadable(.nonFiniteVoxels(path: flair($0), count: 1)) }),
            Case(name: "all-zero modality", damage: { try replace(t1ce($0), with: [Float](repeating: 0, count: voxels), as: .int16) },
                 expected: { .blankModality(.t1ce, file: t1ce($0)) }),
            Case(name: "constant modality", damage: { try replace(flair($0), with: [Float](repeating: 7, count: voxels), as: .int16) },
                 expected: { .blankModality(.flair, file: flair($0)) }),
            Case(name: "modality blank above its bottom slice", damage: { try replace(t1($0), with: partial, as: .int16) },
                 expected: { .partialModality(.t1, file: t1($0), detail: "25% as many non-zero voxels as the other modalities, none above slice 1 where they reach slice 4") }),
            Case(name: "label value 5", damage: { try replace(seg($0), with: labels, as: .uint8) },
                 expected: { .invalidLabels(file: seg($0), detail: "value 5.0 (BraTS labels are 0, 1, 2, 3 or 4)") }),
            Case(name: "labels mixing 3 and 4", damage: { try replace(seg($0), with: mixed, as: .uint8) },
                 expected: { .invalidLabels(file: seg($0), detail: "both 3 and 4 present (mixes the 2023 and 2020 conventions)") }),
            Case(name: "study over its voxel budget", limits: ReadLimits(maxVoxels: 3000, maxBytes: 1 << 20), damage: { _ in },
                 expected: { _ in .tooManyVoxels(total: 5 * voxels, limit: 6000) }),
            Case(name: "volume over its voxel limit", limits: ReadLimits(maxVoxels: 2000, maxBytes: 1 << 20), damage: { _ in },
                 expected: { unreadable(.tooLarge(path: t1($0), voxels: voxels, bytes: 2 * voxels, limits: ReadLimits(maxVoxels: 2000, maxBytes: 1 << 20))) }),
            Case(name: "volume over its byte limit", limits: ReadLimits(maxVoxels: 1 << 20, maxBytes: 4000), damage: { _ in },
                 expected: { unreadable(.tooLarge(path: t1($0), voxels: voxels, bytes: 2 * voxels, limits: ReadLimits(maxVoxels: 1 << 20, maxBytes: 4000))) }),
        ]
    }

    static let cases = headerCases + fileCases + gzipCases + contentCases

    @Test func theCorpusHasFiftyKinds() {
        #expect(Self.cases.count >= 50)
        #expect(Set(Self.cases.map(\.name)).count == Self.cases.count)
    }

    @Test(arguments: cases)
    func isRefusedWithItsErrorAndLeftIntact(_ badCase: Case) throws {
        let labels = [Float](repeating: 0, count: Self.voxels)
        let folder = try writeStudy(in: try temporaryFolder("corpus"), labels: labels, gzip: badCase.gzip)
        try badCase.damage(folder)
        let before = try snapshot(folder)
        #expect(throws: badCase.expected(folder)) {
            try Study.load(try StudyFolder(path: folder), reader: NIfTIReader(limits: badCase.limits))
        }
        #expect(try snapshot(folder) == before, "the input changed")
    }

    /// Every entry of a folder: a regular file's bytes, a link's target, or the entry's type.
    private func snapshot(_ folder: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let path = folder + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else { continue }
            switch st.st_mode & S_IFMT {
            case S_IFREG: result[name] = (try Data(contentsOf: URL(fileURLWithPath: path))).base64EncodedString()
            case S_IFLNK: result[name] = "link " + (try FileManager.default.destinationOfSymbolicLink(atPath: path))
            default: result[name] = "mode \(st.st_mode & S_IFMT) mtime \(st.st_mtim.tv_sec).\(st.st_mtim.tv_nsec)"
            }
        }
        return result
    }
}

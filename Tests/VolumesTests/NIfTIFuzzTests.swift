import Foundation
import Glibc
import Randomness
import Testing
@testable import Volumes

/// A seeded mutation fuzzer for the NIfTI reader: valid plain and gzip files with random byte
/// flips, interesting values in the header's fields, truncations and damage to the gzip stream.
/// Every mutant must read as a volume or fail with a `VolumeError`: never crash, hang or allocate
/// beyond the limits. Runs for GANET_SEG_FUZZ_SECONDS (default 3 s: a bounded check in every test
/// run; `scripts/dev/fuzz-nifti.sh` runs it for longer) and prints executions and the outcomes seen.
@Suite struct NIfTIFuzzTests {
    @Test func mutantsReadOrFailCleanly() throws {
        let seconds = ProcessInfo.processInfo.environment["GANET_SEG_FUZZ_SECONDS"].flatMap(Double.init) ?? 3
        let seed = ProcessInfo.processInfo.environment["GANET_SEG_FUZZ_SEED"].flatMap(UInt64.init) ?? 2026
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("nifti-fuzz-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let seeds = try seedFiles(in: dir)
        // Small limits keep every accepted mutant cheap: a header can ask for at most 2^20 voxels.
        // Links are not followed, as for a study's files: the reader opens each file relative to
        // its folder.
        let reader = NIfTIReader(limits: ReadLimits(maxVoxels: 1 << 20, maxBytes: 1 << 23), followsLinks: false)
        var rng = RandomSource(seed: seed)
        var outcomes: [String: Int] = [:]
        var executions = 0
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            let (name, original) = seeds[Int.random(in: 0..<seeds.count, using: &rng)]
            let mutant = mutate(original, compressed: name.hasSuffix(".gz"), &rng)
            let path = "\(dir)/mutant-\(executions % 8)\(name.hasSuffix(".gz") ? ".nii.gz" : ".nii")"
            try Data(mutant).write(to: URL(fileURLWithPath: path))
            do {
                let volume = try reader.read(path: path)
                #expect(volume.voxels.count == volume.geometry.voxelCount)
                outcomes["read", default: 0] += 1
            } catch let error as VolumeError {
                outcomes[Mirror(reflecting: error).children.first?.label ?? "\(error)", default: 0] += 1
            } catch {
                Issue.record("mutant \(executions) of \(name) threw \(type(of: error)): \(error)")
            }
            executions += 1
        }
        print("NIfTI fuzz: \(executions) executions in \(Int(seconds)) s (seed \(seed)); outcomes: "
              + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        #expect(executions > 0)
    }

    /// Valid volumes of every supported datatype, plain and gzip.
    private func seedFiles(in dir: String) throws -> [(String, [UInt8])] {
        let geometry = Geometry.axisAligned(dims: [6, 5, 4], spacing: [1, 1, 2], origin: [0, 0, 0])
        let voxels = (0..<120).map { Float($0 % 17) }
        var seeds: [(String, [UInt8])] = []
        for type in NIfTIDataType.allCases {
            for ext in [".nii", ".nii.gz"] {
                let path = "\(dir)/seed-\(type)\(ext)"
                try NIfTIWriter().write(voxels, like: geometry, as: type, to: path)
                seeds.append((path, Array(try Data(contentsOf: URL(fileURLWithPath: path)))))
            }
        }
        return seeds
    }

    private func mutate(_ bytes: [UInt8], compressed: Bool, _ rng: inout RandomSource) -> [UInt8] {
        var out = bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0:  // flip bits anywhere
                let i = Int.random(in: 0..<out.count, using: &rng)
                out[i] ^= UInt8.random(in: 1...255, using: &rng)
            case 1 where !compressed:  // an interesting value into a header field
                let fields = [0, 40, 42, 44, 46, 48, 70, 72, 76, 80, 108, 112, 116, 252, 254, 344]
                let offset = fields[Int.random(in: 0..<fields.count, using: &rng)]
                let values: [[UInt8]] = [[0, 0], [0xFF, 0xFF], [0xFF, 0x7F], [0, 0x80], [1, 0],
                                         bytesOf(Float.nan), bytesOf(Float.infinity), bytesOf(Float(1e30)), bytesOf(Float(-1)),
                                         bytesOf(Int32.max), bytesOf(Int32(348).byteSwapped)]
                let value = values[Int.random(in: 0..<values.count, using: &rng)]
                for (k, b) in value.enumerated() where offset + k < out.count { out[offset + k] = b }
            case 2:  // truncate
                out = Array(out.prefix(Int.random(in: 0...out.count, using: &rng)))
            case 3:  // append garbage
                out += (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 4 where out.count > 20:  // damage a run inside the file (the deflate stream when compressed)
                let start = Int.random(in: 10..<out.count, using: &rng)
                for i in start..<min(out.count, start + Int.random(in: 1...16, using: &rng)) { out[i] = UInt8.random(in: 0...255, using: &rng) }
            default:  // duplicate a slice of the file
                guard out.count > 2 else { continue }
                let a = Int.random(in: 0..<out.count - 1, using: &rng), b = Int.random(in: a..<out.count, using: &rng)
                out.insert(contentsOf: out[a..<b], at: Int.random(in: 0...out.count, using: &rng))
            }
            if out.isEmpty { break }
        }
        return out
    }

    private func bytesOf<T>(_ value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }
}

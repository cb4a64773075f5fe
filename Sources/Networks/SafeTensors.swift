import FoundationEssentials
import Glibc
import Platform

/// Element types of the safetensors files ganet-seg reads and writes.
public enum WeightType: String, Codable, Sendable {
    case f32 = "F32"
    case f16 = "F16"

    var size: Int { self == .f32 ? 4 : 2 }
}

/// A named tensor as a weights file holds it: PyTorch shape and host values.
public struct NamedTensor: Equatable, Sendable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}` padded
/// with spaces to 8 bytes, then the raw little-endian data.
public enum SafeTensors {
    public struct Contents: Sendable {
        public var tensors: [NamedTensor]
        public var metadata: [String: String]
        /// SHA-256 of the file's bytes: the identity metrics.json reports for a model.
        public var sha256: String

        public init(tensors: [NamedTensor], metadata: [String: String], sha256: String) {
            self.tensors = tensors
            self.metadata = metadata
            self.sha256 = sha256
        }

        public subscript(_ name: String) -> NamedTensor? { tensors.first { $0.name == name } }
    }

    public enum Error: CategorizedError, Equatable {
        public var category: FailureCategory {
            if case .writeFailed = self { return .outputNotWritable }
            return .badInput
        }

        public var stage: String {
            if case .writeFailed = self { return "write" }
            return "load"
        }

        case unreadable(path: String, reason: String)
        case malformed(path: String, reason: String)
        case unsupportedType(path: String, name: String, dtype: String)
        case writeFailed(path: String, reason: String)

        public var description: String {
            switch self {
            case .unreadable(let p, let r): "\(p): cannot read weights: \(r)"
            case .malformed(let p, let r): "\(p): not a valid safetensors file: \(r)"
            case .unsupportedType(let p, let n, let d): "\(p): tensor \(n) has dtype \(d) (supported: F32, F16)"
            case .writeFailed(let p, let r): "\(p): cannot write weights: \(r)"
            }
        }
    }

    private struct Entry: Codable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    /// Serialises `tensors` (stored as `type`) with `metadata`.
    public static func encode(_ tensors: [NamedTensor], as type: WeightType, metadata: [String: String]) throws -> [UInt8] {
        var offset = 0
        var header = "{\"__metadata__\":" + String(decoding: try JSONEncoder.sorted.encode(metadata), as: UTF8.self)
        for t in tensors {
            precondition(t.shape.reduce(1, *) == t.values.count, "\(t.name): shape does not match values")
            let end = offset + t.values.count * type.size
            let entry = Entry(dtype: type.rawValue, shape: t.shape, data_offsets: [offset, end])
            header += ",\"\(t.name)\":" + String(decoding: try JSONEncoder.sorted.encode(entry), as: UTF8.self)
            offset = end
        }
        header += "}"
        while header.utf8.count % 8 != 0 { header += " " }
        var bytes = [UInt8]()
        bytes.reserveCapacity(8 + header.utf8.count + offset)
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: header.utf8)
        for t in tensors {
            for v in t.values {
                switch type {
                case .f32: withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                case .f16: withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
                }
            }
        }
        return bytes
    }

    /// Parses a safetensors file's bytes; values are returned as Float whatever the stored type.
    public static func decode(_ bytes: [UInt8], path: String = "<memory>") throws -> Contents {
        guard bytes.count >= 8 else { throw Error.malformed(path: path, reason: "shorter than 8 bytes") }
        let length = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard length <= UInt64(bytes.count - 8) else {
            throw Error.malformed(path: path, reason: "header length \(length) exceeds the file")
        }
        let dataStart = 8 + Int(length)
        let json = Data(bytes[8..<dataStart])
        let object: [String: HeaderValue]
        do { object = try JSONDecoder().decode([String: HeaderValue].self, from: json) } catch {
            throw Error.malformed(path: path, reason: "header is not the expected JSON")
        }
        var metadata: [String: String] = [:]
        var tensors: [NamedTensor] = []
        for (name, value) in object {
            switch value {
            case .metadata(let m): metadata = m
            case .tensor(let e):
                guard let type = WeightType(rawValue: e.dtype) else {
                    throw Error.unsupportedType(path: path, name: name, dtype: e.dtype)
                }
                let count = e.shape.reduce(1, *)
                guard e.data_offsets.count == 2, e.shape.allSatisfy({ $0 >= 0 }),
                      e.data_offsets[1] - e.data_offsets[0] == count * type.size,
                      e.data_offsets[0] >= 0, dataStart + e.data_offsets[1] <= bytes.count else {
                    throw Error.malformed(path: path, reason: "tensor \(name): offsets do not match its shape or the file")
                }
                let base = dataStart + e.data_offsets[0]
                let values = bytes.withUnsafeBytes { raw in
                    (0..<count).map { i -> Float in
                        switch type {
                        case .f32: Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + 4 * i, as: UInt32.self)))
                        case .f16: Float(Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: base + 2 * i, as: UInt16.self))))
                        }
                    }
                }
                tensors.append(NamedTensor(name: name, shape: e.shape, values: values))
            }
        }
        return Contents(tensors: tensors.sorted { $0.name < $1.name }, metadata: metadata, sha256: SHA256.hex(of: bytes))
    }

    public static func read(path: String) throws -> Contents {
        guard let handle = fopen(path, "rb") else {
            throw Error.unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        defer { fclose(handle) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = fread(&chunk, 1, chunk.count, handle)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return try decode(bytes, path: path)
    }

    /// Writes atomically (temporary file, then rename).
    public static func write(_ tensors: [NamedTensor], as type: WeightType, metadata: [String: String],
                             to path: String) throws {
        let bytes = try encode(tensors, as: type, metadata: metadata)
        do { try FileSystem.writeAtomically(bytes, to: path) } catch {
            throw Error.writeFailed(path: path, reason: "\(error)")
        }
    }

    private enum HeaderValue: Decodable {
        case tensor(Entry)
        case metadata([String: String])

        init(from decoder: Decoder) throws {
            if let e = try? Entry(from: decoder) { self = .tensor(e) } else {
                self = .metadata(try [String: String](from: decoder))
            }
        }
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}

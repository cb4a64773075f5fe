/// Converts raw voxel bytes of any supported datatype and byte order to Float, and back.
enum VoxelDecoder {
    static func decode(_ raw: [UInt8], as type: NIfTIDataType, swapped: Bool) -> [Float] {
        let count = raw.count / type.bytesPerVoxel
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            raw.withUnsafeBytes { decode($0, as: type, swapped: swapped, into: out) }
            initialized = count
        }
    }

    /// Decodes the voxels of `bytes` into the start of `out` (which has room for them).
    static func decode(_ bytes: UnsafeRawBufferPointer, as type: NIfTIDataType, swapped: Bool,
                       into out: UnsafeMutableBufferPointer<Float>) {
        let count = bytes.count / type.bytesPerVoxel
        switch type {
        case .uint8: convert(bytes, count, out, UInt8.self) { Float($0) }
        case .int8: convert(bytes, count, out, Int8.self) { Float($0) }
        case .int16: convert(bytes, count, out, Int16.self) { Float(swapped ? $0.byteSwapped : $0) }
        case .uint16: convert(bytes, count, out, UInt16.self) { Float(swapped ? $0.byteSwapped : $0) }
        case .int32: convert(bytes, count, out, Int32.self) { Float(swapped ? $0.byteSwapped : $0) }
        case .float32:
            convert(bytes, count, out, UInt32.self) { Float(bitPattern: swapped ? $0.byteSwapped : $0) }
        case .float64:
            convert(bytes, count, out, UInt64.self) { Float(Double(bitPattern: swapped ? $0.byteSwapped : $0)) }
        }
    }

    /// Native-order bytes of `voxels` stored as `type` (integers rounded to nearest).
    static func encode(_ voxels: [Float], as type: NIfTIDataType) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: voxels.count * type.bytesPerVoxel)
        out.withUnsafeMutableBytes { bytes in
            switch type {
            case .uint8: store(voxels, bytes, UInt8.self) { UInt8($0.rounded()) }
            case .int8: store(voxels, bytes, Int8.self) { Int8($0.rounded()) }
            case .int16: store(voxels, bytes, Int16.self) { Int16($0.rounded()) }
            case .uint16: store(voxels, bytes, UInt16.self) { UInt16($0.rounded()) }
            case .int32: store(voxels, bytes, Int32.self) { Int32($0.rounded()) }
            case .float32: store(voxels, bytes, Float.self) { $0 }
            case .float64: store(voxels, bytes, Double.self) { Double($0) }
            }
        }
        return out
    }

    @inline(__always)
    private static func convert<T>(_ bytes: UnsafeRawBufferPointer, _ count: Int, _ out: UnsafeMutableBufferPointer<Float>,
                                   _: T.Type, _ f: (T) -> Float) {
        for i in 0..<count {
            out[i] = f(bytes.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
        }
    }

    @inline(__always)
    private static func store<T>(_ voxels: [Float], _ bytes: UnsafeMutableRawBufferPointer, _: T.Type,
                                 _ f: (Float) -> T) {
        for (i, v) in voxels.enumerated() {
            bytes.storeBytes(of: f(v), toByteOffset: i * MemoryLayout<T>.size, as: T.self)
        }
    }
}

/// A 3D scalar volume: voxel values plus the geometry of the file they came from.
///
/// Voxels are stored as `Float` in NIfTI order (x fastest, then y, then z), with the file's
/// `scl_slope`/`scl_inter` already applied, whatever the datatype on disk.
public struct Volume: Sendable {
    public var geometry: Geometry
    /// The datatype the voxels had on disk.
    public var datatype: NIfTIDataType
    public var voxels: [Float]

    public init(geometry: Geometry, datatype: NIfTIDataType, voxels: [Float]) {
        precondition(voxels.count == geometry.voxelCount, "voxel count does not match the grid")
        self.geometry = geometry
        self.datatype = datatype
        self.voxels = voxels
    }

    public var dims: [Int] { geometry.dims }

    /// Linear index of voxel (x, y, z).
    @inlinable public func index(_ x: Int, _ y: Int, _ z: Int) -> Int {
        geometry.index(x, y, z)
    }

    /// Minimum, maximum and mean of the voxels (nil for an empty volume).
    public func statistics() -> (min: Float, max: Float, mean: Double)? {
        guard var lo = voxels.first else { return nil }
        var hi = lo
        var sum = 0.0
        for v in voxels {
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
        }
        return (lo, hi, sum / Double(voxels.count))
    }
}

/// The NIfTI-1 datatypes ganet-seg reads (those BraTS and common scanners write) and writes.
public enum NIfTIDataType: Int16, Sendable, CaseIterable, CustomStringConvertible {
    case uint8 = 2
    case int16 = 4
    case int32 = 8
    case float32 = 16
    case float64 = 64
    case int8 = 256
    case uint16 = 512

    public var bytesPerVoxel: Int {
        switch self {
        case .uint8, .int8: 1
        case .int16, .uint16: 2
        case .int32, .float32: 4
        case .float64: 8
        }
    }

    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// The range a value must lie in to be stored exactly (integers) or at all (floats).
    var representableRange: ClosedRange<Double> {
        switch self {
        case .uint8: 0...255
        case .int8: -128...127
        case .int16: -32768...32767
        case .uint16: 0...65535
        case .int32: -2_147_483_648...2_147_483_647
        case .float32: -Double(Float.greatestFiniteMagnitude)...Double(Float.greatestFiniteMagnitude)
        case .float64: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude
        }
    }

    public var description: String {
        switch self {
        case .uint8: "uint8"
        case .int8: "int8"
        case .int16: "int16"
        case .uint16: "uint16"
        case .int32: "int32"
        case .float32: "float32"
        case .float64: "float64"
        }
    }
}

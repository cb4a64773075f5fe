/// A 3-D label volume (BraTS segmentation) on a voxel grid.
public struct LabelMap: Sendable, Equatable {
    /// Voxel counts along x, y, z.
    public let dims: [Int]
    /// Voxel size along x, y, z in mm.
    public let spacing: [Double]
    /// One label per voxel, x fastest, then y, then z.
    public let labels: [UInt8]

    /// Wraps labels that are already in memory; the grid must hold exactly `labels.count` voxels.
    public init(dims: [Int], spacing: [Double], labels: [UInt8]) {
        precondition(dims.count == 3 && spacing.count == 3, "a label map is three-dimensional")
        precondition(dims.reduce(1, *) == labels.count, "label count does not match the grid")
        self.dims = dims
        self.spacing = spacing
        self.labels = labels
    }

    /// Converts voxel values read from a file; any value that is not one of the BraTS labels
    /// 0...4 throws `MetricsError.nonLabelData` naming `role`.
    public init(dims: [Int], spacing: [Double], values: [Float], role: MapRole) throws {
        var labels = [UInt8](repeating: 0, count: values.count)
        for (i, v) in values.enumerated() {
            // Compare through a plain conversion: Float rounding would need libm, which this
            // dependency-free module does not link.
            guard v >= 0, v <= 4, Float(UInt8(v)) == v else {
                throw MetricsError.nonLabelData(role, value: Double(v))
            }
            labels[i] = UInt8(v)
        }
        self.init(dims: dims, spacing: spacing, labels: labels)
    }

    /// The label convention the map is written in; `nil` when it has no enhancing tumour, where
    /// both conventions read the same.
    public func convention(as role: MapRole) throws -> LabelConvention? {
        var present = [Bool](repeating: false, count: 256)
        for label in labels { present[Int(label)] = true }
        if let bad = present.indices.first(where: { $0 > 4 && present[$0] }) {
            throw MetricsError.nonLabelData(role, value: Double(bad))
        }
        switch (present[3], present[4]) {
        case (true, true): throw MetricsError.mixedConventions(role)
        case (true, false): return .brats2023
        case (false, true): return .brats2020
        case (false, false): return nil
        }
    }
}

/// Which side of a comparison a label map is; used in error messages.
public enum MapRole: String, Sendable {
    case prediction, reference
}

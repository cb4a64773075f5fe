import Platform

/// Why two label maps cannot be compared.
public enum MetricsError: CategorizedError, Equatable, Sendable {
    public var category: FailureCategory { .badInput }
    public var stage: String { "evaluate" }

    /// Prediction and reference differ in dimensions or voxel spacing.
    case gridMismatch(predictionDims: [Int], referenceDims: [Int],
                      predictionSpacing: [Double], referenceSpacing: [Double])
    /// A voxel value is not one of the BraTS labels 0...4.
    case nonLabelData(MapRole, value: Double)
    /// A map holds both 3 (BraTS 2023 ET) and 4 (BraTS 2020 ET).
    case mixedConventions(MapRole)

    public var description: String {
        switch self {
        case let .gridMismatch(pd, rd, ps, rs):
            return "prediction and reference grids differ: dims \(Self.format(pd)) vs \(Self.format(rd)), "
                + "spacing \(Self.format(ps)) vs \(Self.format(rs)) mm"
        case let .nonLabelData(role, value):
            let shown = abs(value) < 1e9 && Double(Int(value)) == value ? String(Int(value)) : String(value)
            return "\(role.rawValue) is not a label map: value \(shown) is not one of 0, 1, 2, 3, 4"
        case let .mixedConventions(role):
            return "\(role.rawValue) mixes label conventions: it has both 3 (BraTS 2023 ET) and 4 (BraTS 2020 ET)"
        }
    }

    private static func format<T>(_ values: [T]) -> String {
        values.map { "\($0)" }.joined(separator: "x")
    }
}

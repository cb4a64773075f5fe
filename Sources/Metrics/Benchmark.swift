/// A fixed synthetic study for timing the evaluation (`ganet-seg bench`).
public enum MetricsBenchmark {
    /// A BraTS-sized (by default) reference with a tumour (edema around a core with an enhancing
    /// rim) and a satellite lesion, and a prediction shifted by two voxels with one false positive.
    public static func syntheticPair(dims: [Int] = [240, 240, 155], spacing: [Double] = [1, 1, 1])
        -> (prediction: LabelMap, reference: LabelMap) {
        let centre = (Double(dims[0]) * 0.45, Double(dims[1]) * 0.5, Double(dims[2]) * 0.5)
        let satellite = (Double(dims[0]) * 0.7, Double(dims[1]) * 0.35, Double(dims[2]) * 0.5)
        func study(shift: Double, falsePositive: Bool) -> LabelMap {
            var labels = [UInt8](repeating: 0, count: dims.reduce(1, *))
            for z in 0 ..< dims[2] {
                for y in 0 ..< dims[1] {
                    for x in 0 ..< dims[0] {
                        func r2(_ c: (Double, Double, Double)) -> Double {
                            let (dx, dy, dz) = (Double(x) - c.0 - shift, Double(y) - c.1, Double(z) - c.2)
                            return dx * dx + dy * dy + dz * dz
                        }
                        let d = r2(centre)
                        let label: UInt8 =
                            d < 100 ? 1 : d < 225 ? 3 : d < 900 ? 2 : r2(satellite) < 36 ? 2
                            : falsePositive && r2((centre.0, centre.1 * 0.4, centre.2)) < 16 ? 1 : 0
                        labels[x + dims[0] * (y + dims[1] * z)] = label
                    }
                }
            }
            return LabelMap(dims: dims, spacing: spacing, labels: labels)
        }
        return (study(shift: 2, falsePositive: true), study(shift: 0, falsePositive: false))
    }

    /// Wall-clock time of one evaluation (all three regions) of `syntheticPair(dims:)`.
    public static func measure(dims: [Int] = [240, 240, 155]) throws -> Duration {
        let (prediction, reference) = syntheticPair(dims: dims)
        return try ContinuousClock().measure {
            _ = try Evaluator().evaluate(prediction: prediction, reference: reference)
        }
    }
}

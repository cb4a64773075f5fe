/// Slice-level tumour detection against the ground truth (the paper's Table 1): a slice is
/// positive in the truth when it holds any tumour label, and detected when its anomaly score is at
/// least the threshold.
public struct SliceDetection: Sendable, Equatable {
    public var threshold: Double
    public var truePositives = 0
    public var falseNegatives = 0
    public var falsePositives = 0
    public var trueNegatives = 0

    public init(threshold: Double) {
        self.threshold = threshold
    }

    /// Counts over paired slices: `scores[i]` and `tumour[i]` describe the same slice.
    public init(threshold: Double, scores: [Double], tumour: [Bool]) {
        precondition(scores.count == tumour.count, "one score per slice")
        self.init(threshold: threshold)
        add(scores: scores, tumour: tumour)
    }

    public mutating func add(scores: [Double], tumour: [Bool]) {
        precondition(scores.count == tumour.count, "one score per slice")
        for (score, positive) in zip(scores, tumour) {
            switch (score >= threshold, positive) {
            case (true, true): truePositives += 1
            case (false, true): falseNegatives += 1
            case (true, false): falsePositives += 1
            case (false, false): trueNegatives += 1
            }
        }
    }

    public var slices: Int { truePositives + falseNegatives + falsePositives + trueNegatives }
    /// (TP + TN) / all slices; NaN without slices.
    public var accuracy: Double { Double(truePositives + trueNegatives) / Double(slices) }
    /// TP / (TP + FN); NaN without tumour slices.
    public var sensitivity: Double { Double(truePositives) / Double(truePositives + falseNegatives) }
    /// TN / (TN + FP); NaN without normal slices.
    public var specificity: Double { Double(trueNegatives) / Double(trueNegatives + falsePositives) }

    /// The threshold among the scores that `rule` picks; nil when it picks none.
    public static func select(_ rule: ThresholdRule, scores: [Double], tumour: [Bool]) -> SliceDetection? {
        switch rule {
        case .youden: youden(scores: scores, tumour: tumour)
        case .mostSensitive(let minimum): mostSensitive(scores: scores, tumour: tumour, minimumSpecificity: minimum)
        }
    }

    /// The threshold among the scores with the highest sensitivity + specificity (Youden's J), the
    /// lowest on a tie; nil without both tumour and tumour-free slices. Unlike a bound on one rate,
    /// it keeps a margin on both, so the operating point holds better on other studies.
    public static func youden(scores: [Double], tumour: [Bool]) -> SliceDetection? {
        guard tumour.contains(true), tumour.contains(false) else { return nil }
        var best: SliceDetection?
        for t in Set(scores).sorted() {
            let d = SliceDetection(threshold: t, scores: scores, tumour: tumour)
            if best.map({ d.sensitivity + d.specificity > $0.sensitivity + $0.specificity }) ?? true { best = d }
        }
        return best
    }

    /// The lowest threshold among the scores whose specificity is at least `minimumSpecificity`,
    /// which is the most sensitive such threshold (raising a threshold never raises sensitivity);
    /// nil when no score reaches it or there is no tumour-free slice.
    public static func mostSensitive(scores: [Double], tumour: [Bool], minimumSpecificity: Double) -> SliceDetection? {
        for t in Set(scores).sorted() {
            let d = SliceDetection(threshold: t, scores: scores, tumour: tumour)
            if d.specificity >= minimumSpecificity { return d }
        }
        return nil
    }

    /// Which axial slices of a label volume (`dims`, x fastest) hold any non-zero label.
    public static func tumourSlices<T: BinaryFloatingPoint>(_ labels: [T], dims: [Int]) -> [Bool] {
        let plane = dims[0] * dims[1]
        return (0..<dims[2]).map { z in labels[z * plane..<(z + 1) * plane].contains { $0 != 0 } }
    }
}

/// How a detection threshold is picked on validation studies' slices.
public enum ThresholdRule: Sendable, Equatable, CustomStringConvertible {
    /// The highest sensitivity + specificity (Youden's J).
    case youden
    /// The most sensitive threshold whose specificity is at least the bound.
    case mostSensitive(minimumSpecificity: Double)

    public var description: String {
        switch self {
        case .youden: "youden"
        case .mostSensitive(let s): "most sensitive with specificity >= \(s)"
        }
    }
}

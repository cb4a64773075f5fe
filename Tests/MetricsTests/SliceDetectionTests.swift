import Testing
@testable import Metrics

@Suite struct SliceDetectionTests {
    /// Two studies, hand-counted.
    /// Study A: scores 0.05 0.15 0.25 0.35 0.45, tumour in slices 2, 3, 4.
    /// Study B: scores 0.3 0.0 0.12, tumour in slice 2 only.
    /// Threshold 0.1: detected A 1-4, B 0, 2. A: TP 3 (2,3,4), FP 1 (1), TN 1 (0); B: TP 1 (2), FP 1 (0), TN 1 (1).
    ///   -> TP 4, FN 0, FP 2, TN 2: accuracy 6/8, sensitivity 1.
    /// Threshold 0.3: detected A 3, 4, B 0. A: TP 2, FN 1 (2), TN 2; B: FP 1, TN 1 (1), FN 1 (2).
    ///   -> TP 2, FN 2, FP 1, TN 3: accuracy 5/8, sensitivity 0.5.
    /// Threshold 0.45 (equal counts as detected): A 4; -> TP 1, FN 3, FP 0, TN 4.
    @Test func handCountedTable() {
        let studies: [([Double], [Bool])] = [
            ([0.05, 0.15, 0.25, 0.35, 0.45], [false, false, true, true, true]),
            ([0.3, 0.0, 0.12], [false, false, true]),
        ]
        func table(_ t: Double) -> SliceDetection {
            var d = SliceDetection(threshold: t)
            for (s, truth) in studies { d.add(scores: s, tumour: truth) }
            return d
        }
        let a = table(0.1), b = table(0.3), c = table(0.45)
        #expect((a.truePositives, a.falseNegatives, a.falsePositives, a.trueNegatives) == (4, 0, 2, 2))
        #expect(a.accuracy == 0.75 && a.sensitivity == 1 && a.specificity == 0.5 && a.slices == 8)
        #expect((b.truePositives, b.falseNegatives, b.falsePositives, b.trueNegatives) == (2, 2, 1, 3))
        #expect(b.accuracy == 5.0 / 8 && b.sensitivity == 0.5)
        #expect((c.truePositives, c.falseNegatives, c.falsePositives, c.trueNegatives) == (1, 3, 0, 4))
        #expect(SliceDetection(threshold: 0.5, scores: [], tumour: []).accuracy.isNaN)
    }

    /// The same slices pooled: normal-slice scores 0.05, 0.15, 0.3, 0.0, tumour-slice scores 0.25,
    /// 0.35, 0.45, 0.12. Specificity 0.5 first holds at threshold 0.12 (0.0 and 0.05 below it), where
    /// every tumour slice is still detected; 0.75 first at 0.25 (sensitivity 3/4, 0.12 missed); 1
    /// first at 0.35 (sensitivity 2/4).
    @Test func theMostSensitiveThresholdForASpecificity() throws {
        let scores = [0.05, 0.15, 0.25, 0.35, 0.45, 0.3, 0.0, 0.12]
        let tumour = [false, false, true, true, true, false, false, true]
        let half = try #require(SliceDetection.mostSensitive(scores: scores, tumour: tumour, minimumSpecificity: 0.5))
        #expect(half.threshold == 0.12 && half.specificity == 0.5 && half.sensitivity == 1)
        let most = try #require(SliceDetection.mostSensitive(scores: scores, tumour: tumour, minimumSpecificity: 0.75))
        #expect(most.threshold == 0.25 && most.sensitivity == 0.75)
        #expect(SliceDetection.mostSensitive(scores: scores, tumour: tumour, minimumSpecificity: 1)?.threshold == 0.35)
        #expect(SliceDetection.mostSensitive(scores: [0.2], tumour: [true], minimumSpecificity: 0.5) == nil)
    }

    /// Normal slices 0.1, 0.2, 0.3, 0.6 and tumour slices 0.4, 0.5, 0.7, 0.8: sensitivity +
    /// specificity is 1 + 3/4 at 0.4, below it elsewhere (1 + 2/4 at 0.3, 2/4 + 3/4 at 0.6, 2/4 + 1
    /// at 0.7). The pooled slices above tie at 1.5 for 0.12, 0.25, 0.3 and 0.35; the lowest is kept.
    @Test func youdensThresholdAndItsTie() throws {
        let clear = try #require(SliceDetection.select(.youden, scores: [0.1, 0.2, 0.3, 0.6, 0.4, 0.5, 0.7, 0.8],
                                                       tumour: [false, false, false, false, true, true, true, true]))
        #expect(clear.threshold == 0.4 && clear.sensitivity == 1 && clear.specificity == 0.75)
        let tied = try #require(SliceDetection.youden(scores: [0.05, 0.15, 0.25, 0.35, 0.45, 0.3, 0.0, 0.12],
                                                      tumour: [false, false, true, true, true, false, false, true]))
        #expect(tied.threshold == 0.12)
        #expect(SliceDetection.youden(scores: [0.2, 0.3], tumour: [true, true]) == nil)
        #expect(SliceDetection.select(.mostSensitive(minimumSpecificity: 0.75), scores: [0.1, 0.9], tumour: [false, true])?.threshold == 0.9)
    }

    @Test func tumourSlicesOfALabelVolume() {
        // 2x1x3: slice 0 empty, slice 1 one label, slice 2 two.
        let labels: [Float] = [0, 0, 0, 4, 1, 2]
        #expect(SliceDetection.tumourSlices(labels, dims: [2, 1, 3]) == [false, true, true])
    }
}

@Suite struct AreaUnderROCTests {
    /// By hand: of the 9 pairs, 0.9 and 0.8 beat all three negatives (6), 0.4 beats 0.1 and ties
    /// 0.4 (1.5): 7.5 / 9.
    @Test func countsPairsWithTiesAsHalf() {
        #expect(areaUnderROC(positives: [0.9, 0.8, 0.4], negatives: [0.5, 0.4, 0.1]) == 7.5 / 9)
        #expect(areaUnderROC(positives: [1, 2], negatives: [0]) == 1)
        #expect(areaUnderROC(positives: [0], negatives: [1, 2]) == 0)
        #expect(areaUnderROC(positives: [3, 3], negatives: [3]) == 0.5)
        #expect(areaUnderROC(positives: [], negatives: [1]) == nil)
    }

    /// Against the direct count over all pairs on seeded random scores with many ties.
    @Test func matchesTheDirectCount() {
        var state: UInt64 = 12345
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double((state >> 33) % 20) / 20
        }
        let positives = (0..<200).map { _ in next() }, negatives = (0..<150).map { _ in next() * 0.8 }
        var wins = 0.0
        for p in positives { for n in negatives { wins += p > n ? 1 : p == n ? 0.5 : 0 } }
        #expect(abs(areaUnderROC(positives: positives, negatives: negatives)! - wins / 30000) < 1e-12)
    }
}

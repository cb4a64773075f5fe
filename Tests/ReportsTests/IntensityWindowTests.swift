import Testing
@testable import Reports

@Suite struct IntensityWindowTests {
    /// Deterministic values with many duplicates, so partitioning meets runs of equal keys.
    func values(_ count: Int, distinct: Int) -> [Float] {
        var state: UInt64 = 0x9E3779B97F4A7C15
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 33 % UInt64(distinct))
        }
    }

    @Test(arguments: [(1, 1), (2, 2), (7, 3), (100, 1), (1000, 10), (1000, 1_000_000)])
    func selectFindsTheSortedValueAtEveryRank(count: Int, distinct: Int) {
        let input = values(count, distinct: distinct), sorted = input.sorted()
        for rank in 0..<count {
            var scratch = input
            #expect(scratch.select(rank: rank, in: 0..<count) == sorted[rank])
            #expect(scratch[..<rank].allSatisfy { $0 <= sorted[rank] } && scratch[rank...].allSatisfy { $0 >= sorted[rank] })
        }
    }

    @Test func windowUsesThePercentilesOfTheBrainVoxels() {
        let volume = values(20_000, distinct: 5000)  // includes zeros, which are not brain
        let brain = volume.filter { $0 > 0 }.sorted()
        func percentile(_ p: Double) -> Float { brain[Int((p * Double(brain.count - 1)).rounded())] }
        let window = IntensityWindow(brainOf: volume)
        #expect(window == IntensityWindow(low: percentile(IntensityWindow.percentiles.low),
                                          high: percentile(IntensityWindow.percentiles.high)))
    }
}

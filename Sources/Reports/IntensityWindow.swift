/// Greyscale display window of one modality: robust percentiles of its brain voxels mapped to black..white.
struct IntensityWindow: Equatable {
    let low: Float
    let high: Float

    /// Percentiles used for the window; robust to the few hot voxels MRI volumes often have.
    static let percentiles = (low: 0.005, high: 0.995)
    /// Percentiles come from at most about this many voxels (an even stride); plenty for a display window.
    static let sampleLimit = 1 << 20

    init(low: Float, high: Float) {
        self.low = low
        self.high = high > low ? high : low + 1
    }

    /// The window over the brain voxels (value > 0) of `volume`; 0...1 when there are none.
    init(brainOf volume: [Float]) {
        let step = max(1, volume.count / Self.sampleLimit)
        var brain: [Float] = []
        brain.reserveCapacity((volume.count + step - 1) / step)
        for i in stride(from: 0, to: volume.count, by: step) where volume[i] > 0 { brain.append(volume[i]) }
        guard !brain.isEmpty else {
            self.init(low: 0, high: 1)
            return
        }
        func rank(_ p: Double) -> Int { Int((p * Double(brain.count - 1)).rounded()) }
        let (lowRank, highRank) = (rank(Self.percentiles.low), rank(Self.percentiles.high))
        // Partial sorting: after selecting the low rank, everything above it is no smaller.
        let low = brain.select(rank: lowRank, in: 0..<brain.count)
        self.init(low: low, high: brain.select(rank: highRank, in: lowRank..<brain.count))
    }

    /// The grey level of `value`, clamped to the window.
    func grey(_ value: Float) -> UInt8 {
        let t = (value - low) / (high - low)
        return UInt8((min(max(t, 0), 1) * 255).rounded())
    }
}

extension [Float] {
    /// The value at index `rank` of the sorted array (`rank` in `range`), found by quickselect on
    /// `self[range]`, which is reordered so that no element before `rank` is larger and none after it smaller.
    /// Expected linear time, versus n log n for sorting. Values must be comparable (no NaN).
    mutating func select(rank: Int, in range: Range<Int>) -> Float {
        precondition(range.contains(rank), "rank outside the range")
        var (lower, upper) = (range.lowerBound, range.upperBound - 1)
        while lower < upper {
            // Hoare partition around the middle element's value.
            let pivot = self[(lower + upper) / 2]
            var (i, j) = (lower, upper)
            while i <= j {
                while self[i] < pivot { i += 1 }
                while self[j] > pivot { j -= 1 }
                if i <= j {
                    swapAt(i, j)
                    (i, j) = (i + 1, j - 1)
                }
            }
            // Now self[lower...j] <= pivot <= self[i...upper], and anything between equals the pivot.
            if rank <= j {
                upper = j
            } else if rank >= i {
                lower = i
            } else {
                return self[rank]
            }
        }
        return self[rank]
    }
}

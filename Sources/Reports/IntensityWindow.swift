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
        let brain = stride(from: 0, to: volume.count, by: step).lazy.map { volume[$0] }.filter { $0 > 0 }
        let sorted = brain.sorted()
        guard !sorted.isEmpty else {
            self.init(low: 0, high: 1)
            return
        }
        func percentile(_ p: Double) -> Float { sorted[Int((p * Double(sorted.count - 1)).rounded())] }
        self.init(low: percentile(Self.percentiles.low), high: percentile(Self.percentiles.high))
    }

    /// The grey level of `value`, clamped to the window.
    func grey(_ value: Float) -> UInt8 {
        let t = (value - low) / (high - low)
        return UInt8((min(max(t, 0), 1) * 255).rounded())
    }
}

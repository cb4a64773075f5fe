/// What every training run shares, the U-Net's and the GAN's: how long, in what batches, at what
/// rate, on which patches, and the seed that makes the run reproducible.
public struct RunSettings: Codable, Equatable, Sendable {
    public var epochs = 30
    public var batchSize = 8
    /// Adam's initial rate.
    public var learningRate: Float
    public var weightDecay: Float = 1e-4
    /// Power of the polynomial learning-rate decay.
    public var decayPower: Float = 0.75
    /// Side of the square training patches (a multiple of the network's size multiple).
    public var patchSize = 128
    /// Share of the studies held out for validation.
    public var validationFraction = 0.2
    /// Training samples drawn per epoch (0: every training slice once).
    public var samplesPerEpoch = 0
    /// Seed of initialisation, split, sampling and augmentation.
    public var seed: UInt64 = 1
    public var augment = true

    public init(learningRate: Float) {
        self.learningRate = learningRate
    }
}

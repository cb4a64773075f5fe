/// Settings of a U-Net training run. Defaults follow the paper where it gives a value; the batch
/// size and epochs are smaller by default because a 2-core CPU, not a GPU, is the reference machine.
public struct TrainingOptions: Codable, Equatable, Sendable {
    public var epochs = 30
    public var batchSize = 8
    /// Adam's initial rate; the paper's is 6e-5 at batch 80.
    public var learningRate: Float = 6e-5
    public var weightDecay: Float = 1e-4
    /// Power of the polynomial learning-rate decay.
    public var decayPower: Float = 0.75
    /// Side of the square training patches (a multiple of the U-Net's size multiple).
    public var patchSize = 128
    /// Share of the studies held out for validation.
    public var validationFraction = 0.2
    /// Training samples drawn per epoch (0: every tumour slice once).
    public var samplesPerEpoch = 0
    public var seed: UInt64 = 1
    public var augment = true

    public init() {}
}

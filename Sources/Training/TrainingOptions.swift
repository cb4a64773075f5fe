/// Settings of a U-Net training run. Defaults follow the paper where it gives a value; the batch
/// size and epochs are smaller by default because a 2-core CPU, not a GPU, is the reference machine.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// Epochs, batches, rate (the paper's 6e-5 is for batch 80), patches, split, seed.
    public var run = RunSettings(learningRate: 6e-5)
    /// Share of training slices that get enhancing vessels painted at the brain's surface
    /// (`SurfaceEnhancement`; 0: none).
    public var surfaceEnhancement = 0.0
    /// Share of tumour slices whose core is moved toward the oedema's signal and whose enhancement
    /// is weakened (`TumourContrast`; 0: none).
    public var tumourContrast = 0.0

    // GANet-Seg joint training (used only when the trainer has an `AdversarialFeedback`).

    /// Epochs of phase 1 (segmentation loss only); from this epoch on (0-based), phase 2 adds
    /// sparsity, size consistency and the adversarial feedback (the paper: epochs 0-10).
    public var phaseOneEpochs = 10
    /// Sparsity `alpha * mean |M|` (the paper gives no value).
    public var sparsityAlpha: Float = 0.1
    /// Size consistency `gamma * |sum M - S_label| / S_label` (the paper gives no value).
    public var sizeGamma: Float = 0.1
    /// Multiplies the adversarial feedback term after its dynamic weight (1: the paper). Under dynamic
    /// weighting alpha and gamma cancel (each term's gradient is normalised) except through `eps`;
    /// this factor does not, so it is the knob that changes the balance.
    public var adversarialWeight: Float = 1
    /// Phase-2 terms weighted by `1 / (||grad L_i|| + eps)` (the paper); false: plain sum
    /// `L_seg + L_sparsity + L_size + adversarialWeight * L_adv`.
    public var dynamicWeighting = true
    /// The `eps` of the dynamic weights.
    public var dynamicWeightEpsilon: Double = 1e-8
    /// Re-measure the per-term gradient norms every this many phase-2 steps (1: every step, as the
    /// paper). Measuring costs one extra forward and backward pass per term (four), so a larger
    /// interval makes phase-2 steps about 3x cheaper; the weights in between are the last measured.
    public var weightRefreshInterval = 1

    public init() {}
}

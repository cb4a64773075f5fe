import Randomness

/// Where a training run draws its slices from: a fixed set of preprocessed studies (`TrainingSet`)
/// or studies synthesised on the fly (`SynthesisStream`).
public protocol SliceSource {
    /// Slices in one pass over the source (an epoch's length when `samplesPerEpoch` is 0).
    var sliceCount: Int { get }
    /// Called before each epoch's first draw.
    mutating func beginEpoch(using rng: inout RandomSource)
    /// The next slice to cut a training patch from.
    mutating func next(using rng: inout RandomSource) -> SliceSample
}

import Synchronization

/// The processor new studies run through, replaced whole on `systemctl reload`: a study already
/// started keeps the processor it took, so a reload never drops or mixes a study.
final class ProcessorSlot: Sendable {
    private let slot: Mutex<any StudyProcessor>

    init(_ processor: any StudyProcessor) { slot = Mutex(processor) }

    var current: any StudyProcessor { slot.withLock { $0 } }

    func replace(with processor: any StudyProcessor) { slot.withLock { $0 = processor } }
}

extension DaemonConfig {
    /// The settings a reload applies (model, GAN, device, label convention, post-processing, read
    /// limits); every other setting takes effect at the next start.
    public func differsOutsideProcessing(from other: DaemonConfig) -> Bool {
        var other = other
        other.model = model
        other.gan = gan
        other.anomalyThreshold = anomalyThreshold
        other.device = device
        other.labelConvention = labelConvention
        other.minimumLesionVoxels = minimumLesionVoxels
        other.minimumLesionFraction = minimumLesionFraction
        other.maxVoxels = maxVoxels
        other.maxStudyBytes = maxStudyBytes
        return other != self
    }
}

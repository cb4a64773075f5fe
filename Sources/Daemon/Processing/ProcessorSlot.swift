import Synchronization

/// The processor new studies run through, replaced whole on `systemctl reload`: a study already
/// started keeps the processor it took, so a reload never drops or mixes a study.
final class ProcessorSlot: Sendable {
    private let slot: Mutex<any StudyProcessor>

    init(_ processor: any StudyProcessor) { slot = Mutex(processor) }

    var current: any StudyProcessor { slot.withLock { $0 } }

    func replace(with processor: any StudyProcessor) { slot.withLock { $0 = processor } }
}

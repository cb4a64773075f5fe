import Dispatch

extension Range<Int> {
    /// `transform` of each element, in order, computed in parallel on all cores
    /// (`DispatchQueue.concurrentPerform`, which runs one iteration per core at a time).
    func parallelMap<T: Sendable>(_ transform: @Sendable (Int) -> T) -> [T] {
        let results = Slots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in results[i] = transform(lowerBound + i) }
        return (0..<count).map { results[$0]! }
    }
}

/// Fixed storage that concurrent loop iterations fill, each writing only its own index, and that is read
/// only after the loop has finished; that discipline is what makes the unchecked `Sendable` sound.
private final class Slots<Element>: @unchecked Sendable {
    private let storage: UnsafeMutableBufferPointer<Element?>

    init(count: Int) {
        storage = .allocate(capacity: count)
        storage.initialize(repeating: nil)
    }

    deinit {
        _ = storage.deinitialize()
        storage.deallocate()
    }

    subscript(index: Int) -> Element? {
        get { storage[index] }
        set { storage[index] = newValue }
    }
}

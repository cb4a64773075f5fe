import Dispatch
import Glibc

/// Work splitting across the cores, for loops whose iterations touch disjoint data.
public enum Parallel {
    /// Online processors, the width that parallel loops split to.
    public static let coreCount = max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))

    /// Elements below which an element-wise loop is not worth splitting.
    public static let minChunk = 1 << 15

    /// Runs `body(i)` for every `i` in `0..<count`, across the cores when `work` (elements
    /// touched in total) is large enough to pay for the dispatch.
    public static func forEach(_ count: Int, work: Int, _ body: (Int) -> Void) {
        if count <= 1 || work < minChunk {
            for i in 0..<count { body(i) }
        } else {
            // Each caller's iterations touch disjoint output ranges, and concurrentPerform
            // returns only when all have run, so sharing the non-Sendable closure is safe.
            withoutActuallyEscaping(body) { body in
                let shared = UncheckedSendable(value: body)
                DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
            }
        }
    }

    /// Splits `0..<total` into contiguous ranges and runs `body` on them across the cores.
    public static func chunks(_ total: Int, _ body: (Range<Int>) -> Void) {
        let pieces = max(1, min(4 * coreCount, total / minChunk))
        let size = (total + pieces - 1) / max(pieces, 1)
        forEach(pieces, work: total) { i in
            let lower = i * size
            let upper = min(total, lower + size)
            if lower < upper { body(lower..<upper) }
        }
    }
}

extension Range<Int> {
    /// `transform` of each element, in order, computed in parallel on all cores
    /// (`DispatchQueue.concurrentPerform`, which runs one iteration per core at a time).
    public func parallelMap<T: Sendable>(_ transform: @Sendable (Int) -> T) -> [T] {
        let results = Slots<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in results[i] = transform(lowerBound + i) }
        return (0..<count).map { results[$0]! }
    }
}

/// Carries a value into a `@Sendable` closure where the caller guarantees race freedom.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
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

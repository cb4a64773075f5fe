import Dispatch

/// Work splitting for the CPU backend's loops (GEMM threads are OpenBLAS's own).
enum Parallel {
    /// Elements below which an element-wise loop is not worth splitting.
    static let minChunk = 1 << 15

    /// Runs `body(i)` for every `i` in `0..<count`, across the cores when `work` (elements
    /// touched in total) is large enough to pay for the dispatch.
    static func forEach(_ count: Int, work: Int, _ body: (Int) -> Void) {
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
    static func chunks(_ total: Int, _ body: (Range<Int>) -> Void) {
        let pieces = max(1, min(4 * CPUBackend.coreCount, total / minChunk))
        let size = (total + pieces - 1) / max(pieces, 1)
        forEach(pieces, work: total) { i in
            let lower = i * size
            let upper = min(total, lower + size)
            if lower < upper { body(lower..<upper) }
        }
    }
}

/// Carries a value into a `@Sendable` closure where the caller guarantees race freedom.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}

import Synchronization

/// Host memory holding a CPU tensor's elements, 64-byte aligned for SIMD and GEMM.
final class HostBuffer: TensorStorage, @unchecked Sendable {
    // Unchecked: the elements are written only while the producing op runs, before the
    // tensor is returned; afterwards they are read-only (see `TensorStorage`).
    let elements: UnsafeMutableBufferPointer<Float>
    private let block: HostMemoryPool.Block

    /// Uninitialised storage for `count` elements; the producing op writes every one.
    init(count: Int) {
        block = HostMemoryPool.shared.take(bytes: count * MemoryLayout<Float>.stride)
        elements = UnsafeMutableBufferPointer(start: block.pointer.bindMemory(to: Float.self, capacity: count),
                                              count: count)
    }

    deinit { HostMemoryPool.shared.give(block) }
}

/// Recycles large host blocks between ops.
///
/// Fresh large allocations come from mmap and are paid for in page faults on first touch:
/// measured here, 43 ms per 63 MB (one U-Net activation at batch 8), a third of the conv that
/// writes it. Blocks are kept by size class for reuse instead, up to `cacheLimit` bytes.
final class HostMemoryPool: Sendable {
    static let shared = HostMemoryPool()

    /// A block and its size class in bytes.
    struct Block: @unchecked Sendable {  // an address handed between threads, owned by one buffer at a time
        let pointer: UnsafeMutableRawPointer
        let bytes: Int
    }

    /// Blocks smaller than this go straight to the allocator, which recycles them well.
    private static let minPooled = 1 << 16
    /// Idle bytes kept for reuse; beyond it, returned blocks are freed.
    private static let cacheLimit = 4 << 30

    private struct State {
        var idle: [Int: [Block]] = [:]
        var idleBytes = 0
    }
    private let state = Mutex(State())

    func take(bytes: Int) -> Block {
        let size = Self.sizeClass(max(bytes, 1))
        if size >= Self.minPooled, let block = state.withLock({ state -> Block? in
            guard let block = state.idle[size]?.popLast() else { return nil }
            state.idleBytes -= size
            return block
        }) {
            return block
        }
        return Block(pointer: .allocate(byteCount: size, alignment: 64), bytes: size)
    }

    func give(_ block: Block) {
        let kept = block.bytes >= Self.minPooled && state.withLock { state in
            guard state.idleBytes + block.bytes <= Self.cacheLimit else { return false }
            state.idle[block.bytes, default: []].append(block)
            state.idleBytes += block.bytes
            return true
        }
        if !kept { block.pointer.deallocate() }
    }

    /// Rounds up to one of 8 classes per power of two (at most 12.5% slack), so that
    /// tensors of similar size share blocks.
    static func sizeClass(_ bytes: Int) -> Int {
        let shift = max(6, Int.bitWidth - (bytes - 1).leadingZeroBitCount - 3)
        return ((bytes + (1 << shift) - 1) >> shift) << shift
    }
}

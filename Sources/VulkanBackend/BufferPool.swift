import CVulkan

/// Buffers of one memory type and usage, recycled by size class.
///
/// Vulkan allocations are slow and limited in number (`maxMemoryAllocationCount`, often 4096),
/// while a network pass makes and drops hundreds of tensors. A buffer dropped while commands
/// that use it are still unsubmitted may be handed out again at once: every recorded command is
/// followed by a full barrier, so the GPU finishes the old reads before the new writes. Idle
/// buffers are only destroyed by `trim`, when no work is pending.
struct BufferPool {
    let memoryType: UInt32
    let usage: VkBufferUsageFlags
    /// Map each buffer's memory for host access.
    let mapped: Bool
    private var idle: [Int: [RawBuffer]] = [:]
    private(set) var idleBytes = 0

    init(memoryType: UInt32, usage: VkBufferUsageFlags, mapped: Bool) {
        self.memoryType = memoryType
        self.usage = usage
        self.mapped = mapped
    }

    /// A buffer of at least `bytes`, recycled or new.
    mutating func take(bytes: Int, on device: LogicalDevice) throws -> RawBuffer {
        let size = Self.sizeClass(bytes)
        if let buffer = idle[size]?.popLast() {
            idleBytes -= size
            return buffer
        }
        return try create(bytes: size, on: device)
    }

    /// Returns a buffer for reuse.
    mutating func give(_ buffer: RawBuffer) {
        idle[buffer.bytes, default: []].append(buffer)
        idleBytes += buffer.bytes
    }

    /// Destroys idle buffers until at most `limit` bytes are idle. Only while no work is pending.
    mutating func trim(to limit: Int, on device: LogicalDevice) {
        for size in idle.keys.sorted(by: >) where idleBytes > limit {
            while idleBytes > limit, let buffer = idle[size]?.popLast() {
                destroy(buffer, on: device)
                idleBytes -= size
            }
        }
    }

    /// Destroys every idle buffer (the pool's owner is shutting down).
    mutating func destroyAll(on device: LogicalDevice) { trim(to: 0, on: device) }

    private func create(bytes: Int, on device: LogicalDevice) throws -> RawBuffer {
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(bytes)
        info.usage = usage
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: VkBuffer?
        try check(device.vk.vkCreateBuffer(device.handle, &info, nil, &buffer), "vkCreateBuffer")
        var requirements = VkMemoryRequirements()
        device.vk.vkGetBufferMemoryRequirements(device.handle, buffer, &requirements)
        var allocation = VkMemoryAllocateInfo()
        allocation.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        allocation.allocationSize = requirements.size
        allocation.memoryTypeIndex = memoryType
        var memory: VkDeviceMemory?
        do {
            try check(device.vk.vkAllocateMemory(device.handle, &allocation, nil, &memory), "vkAllocateMemory")
            try check(device.vk.vkBindBufferMemory(device.handle, buffer, memory, 0), "vkBindBufferMemory")
            var address: UnsafeMutableRawPointer?
            if mapped {
                try check(device.vk.vkMapMemory(device.handle, memory, 0, VkDeviceSize.max, 0, &address),
                          "vkMapMemory")
            }
            return RawBuffer(buffer: buffer!, memory: memory!, bytes: bytes, mapped: address)
        } catch {
            device.vk.vkFreeMemory(device.handle, memory, nil)
            device.vk.vkDestroyBuffer(device.handle, buffer, nil)
            throw error
        }
    }

    private func destroy(_ buffer: RawBuffer, on device: LogicalDevice) {
        device.vk.vkDestroyBuffer(device.handle, buffer.buffer, nil)
        device.vk.vkFreeMemory(device.handle, buffer.memory, nil)  // unmaps implicitly
    }

    /// Rounds up to one of four classes per power of two (at most 25% slack) so that tensors of
    /// similar size share buffers; 256 bytes at least.
    static func sizeClass(_ bytes: Int) -> Int {
        let size = max(bytes, 256)
        let shift = Int.bitWidth - (size - 1).leadingZeroBitCount - 2
        return ((size + (1 << shift) - 1) >> shift) << shift
    }
}

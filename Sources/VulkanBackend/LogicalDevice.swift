import CVulkan

/// A logical device handle and its entry points: what every Vulkan call after device creation
/// needs. A plain value, passed to the parts of `VulkanContext`, which alone destroys the device.
struct LogicalDevice {
    let handle: VkDevice
    let vk: CVKDeviceTable
}

/// A buffer with its own memory, and the host address of that memory when it is mapped.
struct RawBuffer {
    let buffer: VkBuffer
    let memory: VkDeviceMemory
    /// Allocated size in bytes (a size class, at least what was asked for).
    let bytes: Int
    let mapped: UnsafeMutableRawPointer?
}

/// The memory types tensors and staging buffers are allocated from.
struct MemoryPlan {
    let tensorType: UInt32
    /// Tensor memory is host-visible and coherent (integrated and CPU devices share host memory):
    /// downloads read it in place instead of copying through a staging buffer.
    let tensorsMapped: Bool
    let stagingType: UInt32

    /// - Parameters:
    ///   - allowed: `memoryTypeBits` of a storage buffer on this device.
    ///   - unified: whether the device shares host memory (then tensors live in mapped memory).
    init(_ properties: VkPhysicalDeviceMemoryProperties, allowed: UInt32, unified: Bool) throws {
        let types = withUnsafeBytes(of: properties.memoryTypes) { raw in
            Array(raw.bindMemory(to: VkMemoryType.self).prefix(Int(properties.memoryTypeCount)))
        }
        func first(_ required: VkMemoryPropertyFlagBits..., avoiding avoided: [VkMemoryPropertyFlagBits] = []) -> UInt32? {
            let need = required.reduce(0) { $0 | $1.rawValue }, avoid = avoided.reduce(0) { $0 | $1.rawValue }
            return types.indices.first { i in
                allowed & (1 << i) != 0 && types[i].propertyFlags & need == need && types[i].propertyFlags & avoid == 0
            }.map(UInt32.init)
        }
        let local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, visible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT
        let coherent = VK_MEMORY_PROPERTY_HOST_COHERENT_BIT, cached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT
        guard let staging = first(visible, coherent, cached) ?? first(visible, coherent) else {
            throw VulkanError.noDevice("no host-visible coherent memory type")
        }
        stagingType = staging
        if unified, let shared = first(local, visible, coherent) {
            tensorType = shared
            tensorsMapped = true
        } else if let device = first(local, avoiding: [visible]) ?? first(local) {
            // Prefer memory the host cannot see: on discrete GPUs host-visible device memory is
            // the small BAR window.
            tensorType = device
            tensorsMapped = false
        } else {
            throw VulkanError.noDevice("no device-local memory type")
        }
    }
}

// A buffer is a pair of handles and an address; the context's lock (or the one tensor owning it)
// serialises every use, so handing it between threads is safe.
extension RawBuffer: @unchecked Sendable {}

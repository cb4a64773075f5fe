import CVulkan

/// The command buffer ops are recorded into, submitted once when the host needs results.
///
/// Recording every op of a network pass into one command buffer and submitting it once (with a
/// fence to wait on) costs one submission per pass instead of one per op. Each recorded command is
/// followed by a full memory barrier, so commands run in recording order, as the ops were called.
struct CommandBatch {
    /// Descriptor sets per descriptor pool; pools are added as a batch grows and reset after it.
    private static let setsPerPool = 256
    /// Commands after which the batch is submitted early, bounding its descriptor pools.
    static let commandLimit = 4096
    /// Staging bytes after which the batch is submitted early, bounding upload memory.
    private static let stagingLimit = 256 << 20

    private let commandPool: VkCommandPool
    private let commands: VkCommandBuffer
    private let fence: VkFence
    private var descriptorPools: [VkDescriptorPool] = []
    private var setsAllocated = 0
    private var staging: [RawBuffer] = []
    private var stagingBytes = 0
    private var commandCount = 0
    private var isRecording = false
    /// Set while profiling: times every command.
    var timer: KernelTimer?

    init(queueFamily: UInt32, on device: LogicalDevice) throws {
        var poolInfo = VkCommandPoolCreateInfo()
        poolInfo.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        poolInfo.queueFamilyIndex = queueFamily
        var pool: VkCommandPool?
        try check(device.vk.vkCreateCommandPool(device.handle, &poolInfo, nil, &pool), "vkCreateCommandPool")
        var allocation = VkCommandBufferAllocateInfo()
        allocation.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        allocation.commandPool = pool
        allocation.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        allocation.commandBufferCount = 1
        var commands: VkCommandBuffer?
        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: VkFence?
        do {
            try check(device.vk.vkAllocateCommandBuffers(device.handle, &allocation, &commands), "vkAllocateCommandBuffers")
            try check(device.vk.vkCreateFence(device.handle, &fenceInfo, nil, &fence), "vkCreateFence")
        } catch {
            device.vk.vkDestroyCommandPool(device.handle, pool, nil)
            throw error
        }
        commandPool = pool!
        self.commands = commands!
        self.fence = fence!
    }

    /// Whether the batch should be submitted before more is recorded.
    var isFull: Bool { commandCount >= Self.commandLimit || stagingBytes >= Self.stagingLimit }

    /// A descriptor set of `layout`, valid until the batch has run.
    mutating func descriptorSet(_ layout: VkDescriptorSetLayout, on device: LogicalDevice) throws -> VkDescriptorSet {
        let index = setsAllocated / Self.setsPerPool
        if index == descriptorPools.count { descriptorPools.append(try makeDescriptorPool(on: device)) }
        var layout: VkDescriptorSetLayout? = layout
        var set: VkDescriptorSet?
        try withUnsafePointer(to: &layout) { layouts in
            var info = VkDescriptorSetAllocateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO
            info.descriptorPool = descriptorPools[index]
            info.descriptorSetCount = 1
            info.pSetLayouts = layouts
            try check(device.vk.vkAllocateDescriptorSets(device.handle, &info, &set), "vkAllocateDescriptorSets")
        }
        setsAllocated += 1
        return set!
    }

    /// Records one command with `body`, then the barrier that orders it before the next; `label`
    /// names it in the timer's totals.
    mutating func record(_ label: @autoclosure () -> String, on device: LogicalDevice,
                         _ body: (VkCommandBuffer) -> Void) throws {
        if !isRecording {
            var begin = VkCommandBufferBeginInfo()
            begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
            begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue
            try check(device.vk.vkBeginCommandBuffer(commands, &begin), "vkBeginCommandBuffer")
            isRecording = true
            timer?.begin(commands, on: device)
        }
        body(commands)
        barrier(on: device, to: VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue,
                access: VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
                    | VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue)
        timer?.end(label(), commands, on: device)
        commandCount += 1
    }

    /// Keeps a staging buffer that recorded commands read or write until the batch has run.
    mutating func hold(_ buffer: RawBuffer) {
        staging.append(buffer)
        stagingBytes += buffer.bytes
    }

    /// Submits what was recorded and waits for it; returns the staging buffers it held.
    mutating func submitAndWait(queue: VkQueue, on device: LogicalDevice) throws -> [RawBuffer] {
        guard isRecording else { return [] }
        isRecording = false
        // Device writes become visible to host reads (downloads) once the fence has signalled.
        barrier(on: device, to: VK_PIPELINE_STAGE_HOST_BIT.rawValue, access: VK_ACCESS_HOST_READ_BIT.rawValue)
        try check(device.vk.vkEndCommandBuffer(commands), "vkEndCommandBuffer")
        var commands: VkCommandBuffer? = self.commands
        var fence: VkFence? = self.fence
        try withUnsafePointer(to: &commands) { commands in
            var submit = VkSubmitInfo()
            submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
            submit.commandBufferCount = 1
            submit.pCommandBuffers = commands
            try check(device.vk.vkQueueSubmit(queue, 1, &submit, fence), "vkQueueSubmit")
        }
        try check(device.vk.vkWaitForFences(device.handle, 1, &fence, VkBool32(VK_TRUE), UInt64.max), "vkWaitForFences")
        try check(device.vk.vkResetFences(device.handle, 1, &fence), "vkResetFences")
        try timer?.collect(on: device)
        try check(device.vk.vkResetCommandPool(device.handle, commandPool, 0), "vkResetCommandPool")
        for pool in descriptorPools {
            try check(device.vk.vkResetDescriptorPool(device.handle, pool, 0), "vkResetDescriptorPool")
        }
        setsAllocated = 0
        commandCount = 0
        stagingBytes = 0
        defer { staging = [] }
        return staging
    }

    /// Destroys the pools and the fence (the device must be idle).
    func destroy(on device: LogicalDevice) {
        timer?.destroy(on: device)
        for pool in descriptorPools { device.vk.vkDestroyDescriptorPool(device.handle, pool, nil) }
        device.vk.vkDestroyFence(device.handle, fence, nil)
        device.vk.vkDestroyCommandPool(device.handle, commandPool, nil)
    }

    /// A global memory barrier from all compute and transfer writes to `stages`/`access`.
    private func barrier(on device: LogicalDevice, to stages: VkPipelineStageFlags, access: VkAccessFlags) {
        var memory = VkMemoryBarrier()
        memory.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        memory.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        memory.dstAccessMask = access
        device.vk.vkCmdPipelineBarrier(commands,
                                       VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue,
                                       stages, 0, 1, &memory, 0, nil, 0, nil)
    }

    private func makeDescriptorPool(on device: LogicalDevice) throws -> VkDescriptorPool {
        var size = VkDescriptorPoolSize(type: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                        descriptorCount: UInt32(Self.setsPerPool * Kernel.maxBindings))
        var pool: VkDescriptorPool?
        try withUnsafePointer(to: &size) { size in
            var info = VkDescriptorPoolCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO
            info.maxSets = UInt32(Self.setsPerPool)
            info.poolSizeCount = 1
            info.pPoolSizes = size
            try check(device.vk.vkCreateDescriptorPool(device.handle, &info, nil, &pool), "vkCreateDescriptorPool")
        }
        return pool!
    }
}

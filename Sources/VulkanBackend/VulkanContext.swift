import CVulkan
import Synchronization
import Glibc

/// The one owner of a backend's Vulkan objects: instance, device, queue, buffer pools, pipelines
/// and the command batch.
///
/// Swift 6 does not let C handles be shared between threads as globals, so they all live here;
/// the handles are fixed after `init`, and the mutable parts are only used under `state`'s lock.
/// Tensors keep their context alive, so the device outlives every buffer made on it.
final class VulkanContext: @unchecked Sendable {
    let device: VulkanDevice
    let memory: MemoryPlan
    /// Convolutions run on tensor cores (`conv_coopmat.comp`): the device has them and the
    /// options do not turn them off.
    let tensorCores: Bool
    /// Whether convolution products pack their operands to fp16 unless told otherwise: with tensor
    /// cores, unless the options turn it off.
    let packsHalfByDefault: Bool
    /// Nanoseconds per timestamp tick.
    private let timestampPeriod: Float
    private let instance: VulkanInstance
    private let logical: LogicalDevice
    private let queue: VkQueue
    /// Idle tensor bytes kept for reuse after a batch has run; more are freed.
    private let idleLimit: Int
    private let state: Mutex<State>

    // Unchecked: the handles inside are only used under the lock that guards the whole state.
    private struct State: @unchecked Sendable {
        var tensors: BufferPool
        var staging: BufferPool
        var pipelines: PipelineCache
        var batch: CommandBatch
        /// The first device failure; once set, nothing more is recorded or submitted.
        var failure: VulkanError?
    }

    /// A buffer that stands in for tensors made after a failure: never bound, never recycled.
    let placeholder: RawBuffer

    /// Idle staging bytes kept after a batch has run.
    private static let stagingIdleLimit = 64 << 20

    /// Opens `device` (as listed by `VulkanDevice.list()`).
    init(_ device: VulkanDevice, options: VulkanOptions) throws {
        let instance = try VulkanInstance()
        let physicals = try instance.physicalDevices()
        guard device.index < physicals.count, instance.describe(physicals[device.index], index: device.index) == device else {
            throw VulkanError.noDevice("\(device.name) is no longer present")
        }
        let physical = physicals[device.index]
        var properties = VkPhysicalDeviceProperties()
        instance.table.vkGetPhysicalDeviceProperties(physical, &properties)
        timestampPeriod = properties.limits.timestampPeriod
        let family = try Self.computeQueueFamily(instance, physical)
        let tensorCores = device.capabilities.tensorCores && options.tensorCores
        let statistics = device.capabilities.pipelineStatistics && options.pipelineStatistics
        let features: [OptionalFeature] = (tensorCores ? [.cooperativeMatrix, .float16, .memoryModel] : [])
            + (statistics ? [.pipelineExecutables] : [])
        let logical = try Self.createDevice(instance, physical, queueFamily: family, features: features)
        do {
            var queue: VkQueue?
            logical.vk.vkGetDeviceQueue(logical.handle, family, 0, &queue)
            let usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
                | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
            let memory = try MemoryPlan(instance.memoryProperties(physical),
                                        allowed: try Self.memoryTypeBits(usage: usage, on: logical),
                                        unified: device.kind == .integrated || device.kind == .cpu)
            var tensors = BufferPool(memoryType: memory.tensorType, usage: usage, mapped: memory.tensorsMapped)
            let placeholder = try tensors.take(bytes: 4, on: logical)
            let batch: CommandBatch
            do { batch = try CommandBatch(queueFamily: family, on: logical) } catch {
                tensors.give(placeholder)
                tensors.destroyAll(on: logical)
                throw error
            }
            state = Mutex(State(
                tensors: tensors,
                staging: BufferPool(memoryType: memory.stagingType,
                                    usage: VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue,
                                    mapped: true),
                pipelines: PipelineCache(capturesStatistics: statistics, shaderFolder: options.shaderFolder),
                batch: batch))
            self.placeholder = placeholder
            self.queue = queue!
            self.memory = memory
        } catch {
            logical.vk.vkDestroyDevice(logical.handle, nil)
            throw error
        }
        self.device = device
        self.tensorCores = tensorCores
        packsHalfByDefault = tensorCores && options.packHalfWithTensorCores
        self.instance = instance
        self.logical = logical
        idleLimit = Int(clamping: min(max(device.memoryBytes / 4, 256 << 20), 4 << 30))
    }

    deinit {
        state.withLock { state in
            // Nothing recorded may still run when the objects go; a failure here has no one to report to.
            if let used = try? state.batch.submitAndWait(queue: queue, on: logical) { used.forEach { state.staging.give($0) } }
            _ = logical.vk.vkDeviceWaitIdle(logical.handle)
            state.tensors.give(placeholder)
            state.batch.destroy(on: logical)
            state.pipelines.destroyAll(on: logical)
            state.tensors.destroyAll(on: logical)
            state.staging.destroyAll(on: logical)
        }
        logical.vk.vkDestroyDevice(logical.handle, nil)
    }

    // MARK: Buffers

    /// A tensor buffer of at least `bytes`.
    func makeBuffer(bytes: Int) throws -> RawBuffer {
        try state.withLock { state in
            do {
                return try state.tensors.take(bytes: bytes, on: logical)
            } catch VulkanError.outOfDeviceMemory {
                // Idle buffers of other sizes may fill the memory: run what is pending, free them, retry once.
                try finish(&state)
                state.tensors.destroyAll(on: logical)
                return try state.tensors.take(bytes: bytes, on: logical)
            }
        }
    }

    /// Takes back the buffer of a released tensor.
    func recycle(_ buffer: RawBuffer) {
        guard buffer.buffer != placeholder.buffer else { return }
        state.withLock { $0.tensors.give(buffer) }
    }

    // MARK: Failure

    /// The device failure that stopped this context, if any.
    var failure: VulkanError? { state.withLock { $0.failure } }

    /// Records a device failure (the first one counts): from now on nothing runs on the device.
    func fail(_ error: VulkanError) {
        state.withLock { state in
            if state.failure == nil { state.failure = error }
        }
    }

    // MARK: Recording

    /// Records one dispatch of `variant` over `groups` workgroups with `buffers` at bindings 0, 1, ...
    /// and `push` as push constants.
    func dispatch(_ variant: PipelineCache.Variant, buffers: [RawBuffer], push: [UInt32],
                  groups: (x: Int, y: Int, z: Int), detail: @autoclosure () -> String = "") throws {
        precondition(buffers.count == variant.kernel.bindings, "\(variant.kernel) binds \(variant.kernel.bindings) buffers")
        precondition(push.count * 4 <= PipelineCache.pushConstantBytes, "push constants too large")
        try state.withLock { state in
            let (pipeline, layout) = try state.pipelines.pipeline(variant, on: logical)
            let set = try state.batch.descriptorSet(layout.descriptors, on: logical)
            let infos = buffers.map { VkDescriptorBufferInfo(buffer: $0.buffer, offset: 0, range: VkDeviceSize.max) }
            infos.withUnsafeBufferPointer { infos in
                let writes = infos.indices.map { i in
                    var write = VkWriteDescriptorSet()
                    write.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                    write.dstSet = set
                    write.dstBinding = UInt32(i)
                    write.descriptorCount = 1
                    write.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                    write.pBufferInfo = infos.baseAddress! + i
                    return write
                }
                logical.vk.vkUpdateDescriptorSets(logical.handle, UInt32(writes.count), writes, 0, nil)
            }
            try state.batch.record(variant.label + detail(), on: logical) { commands in
                var set: VkDescriptorSet? = set
                logical.vk.vkCmdBindPipeline(commands, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline)
                logical.vk.vkCmdBindDescriptorSets(commands, VK_PIPELINE_BIND_POINT_COMPUTE, layout.pipeline, 0, 1, &set, 0, nil)
                push.withUnsafeBytes { bytes in
                    logical.vk.vkCmdPushConstants(commands, layout.pipeline, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0,
                                                  UInt32(bytes.count), bytes.baseAddress)
                }
                logical.vk.vkCmdDispatch(commands, UInt32(groups.x), UInt32(groups.y), UInt32(groups.z))
            }
            try submitIfFull(&state)
        }
    }

    /// Records a copy of host bytes into `target` (through a staging buffer, so that the copy
    /// happens in order with the recorded ops that may still use `target`'s previous contents).
    func upload(_ bytes: UnsafeRawBufferPointer, to target: RawBuffer) throws {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        try state.withLock { state in
            let staging = try state.staging.take(bytes: bytes.count, on: logical)
            staging.mapped!.copyMemory(from: base, byteCount: bytes.count)
            state.batch.hold(staging)
            try state.batch.record("upload", on: logical) { commands in
                var region = VkBufferCopy(srcOffset: 0, dstOffset: 0, size: VkDeviceSize(bytes.count))
                logical.vk.vkCmdCopyBuffer(commands, staging.buffer, target.buffer, 1, &region)
            }
            try submitIfFull(&state)
        }
    }

    /// Records filling the first `bytes` of `target` with a repeated 32-bit pattern.
    func fill(_ target: RawBuffer, bytes: Int, pattern: UInt32) throws {
        guard bytes > 0 else { return }
        try state.withLock { state in
            try state.batch.record("fill", on: logical) { commands in
                logical.vk.vkCmdFillBuffer(commands, target.buffer, 0, VkDeviceSize(bytes), pattern)
            }
            try submitIfFull(&state)
        }
    }

    /// Records copies of byte ranges from `source` to `target`.
    func copy(from source: RawBuffer, to target: RawBuffer, regions: [VkBufferCopy]) throws {
        let regions = regions.filter { $0.size > 0 }
        guard !regions.isEmpty else { return }
        try state.withLock { state in
            try state.batch.record("copy", on: logical) { commands in
                logical.vk.vkCmdCopyBuffer(commands, source.buffer, target.buffer, UInt32(regions.count), regions)
            }
            try submitIfFull(&state)
        }
    }

    // MARK: Profiling

    /// Starts timing every command from the next batch on (see `KernelTimer`).
    func startProfiling() throws {
        try state.withLock { state in
            try finish(&state)
            guard state.batch.timer == nil else { return }
            state.batch.timer = try KernelTimer(capacity: CommandBatch.commandLimit, nanosecondsPerTick: timestampPeriod, on: logical)
        }
    }

    /// GPU seconds and command counts per kind of command since profiling started, after running
    /// what is recorded.
    func kernelTimes() throws -> [String: KernelTimer.Total] {
        try state.withLock { state in
            try finish(&state)
            return state.batch.timer?.totals ?? [:]
        }
    }

    /// What the driver reports of each pipeline made so far (registers, spills, shared memory...),
    /// by shader label; empty unless the device was opened with `GANET_SEG_PIPELINE_STATISTICS=1`.
    func pipelineStatistics() -> [String: [String]] {
        state.withLock { state in
            state.pipelines.statistics(on: logical) { instance.table.vkGetDeviceProcAddr(logical.handle, $0) }
        }
    }

    // MARK: Results

    /// Runs everything recorded, then copies the first `target.count` bytes of `source` to the host.
    func download(_ source: RawBuffer, into target: UnsafeMutableRawBufferPointer) throws {
        guard let base = target.baseAddress, target.count > 0 else { return try synchronize() }
        try state.withLock { state in
            if let mapped = source.mapped {
                try finish(&state)
                base.copyMemory(from: mapped, byteCount: target.count)
                return
            }
            let staging = try state.staging.take(bytes: target.count, on: logical)
            defer { state.staging.give(staging) }
            try state.batch.record("download", on: logical) { commands in
                var region = VkBufferCopy(srcOffset: 0, dstOffset: 0, size: VkDeviceSize(target.count))
                logical.vk.vkCmdCopyBuffer(commands, source.buffer, staging.buffer, 1, &region)
            }
            try finish(&state)
            base.copyMemory(from: staging.mapped!, byteCount: target.count)
        }
    }

    /// Submits everything recorded and waits until it has run; throws the failure that stopped the
    /// device, this time's or an earlier one.
    func synchronize() throws {
        try state.withLock { state in
            if let failure = state.failure { throw failure }
            do { try finish(&state) } catch let error as VulkanError {
                state.failure = error
                throw error
            }
        }
    }

    private func submitIfFull(_ state: inout State) throws {
        if state.batch.isFull { try finish(&state) }
    }

    /// Submits and waits, then returns staging buffers to their pool and frees surplus idle memory.
    private func finish(_ state: inout State) throws {
        for buffer in try state.batch.submitAndWait(queue: queue, on: logical) { state.staging.give(buffer) }
        state.tensors.trim(to: idleLimit, on: logical)
        state.staging.trim(to: Self.stagingIdleLimit, on: logical)
    }

    // MARK: Setup

    private static func computeQueueFamily(_ instance: VulkanInstance, _ physical: VkPhysicalDevice) throws -> UInt32 {
        var count: UInt32 = 0
        instance.table.vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(count))
        instance.table.vkGetPhysicalDeviceQueueFamilyProperties(physical, &count, &families)
        guard let index = families.prefix(Int(count)).firstIndex(where: { $0.queueFlags & VK_QUEUE_COMPUTE_BIT.rawValue != 0 }) else {
            throw VulkanError.noDevice("the device has no compute queue")
        }
        return UInt32(index)
    }

    /// - Parameter features: the optional features to enable, with their extensions (the device
    ///   has them: see `DeviceCapabilities`).
    private static func createDevice(_ instance: VulkanInstance, _ physical: VkPhysicalDevice, queueFamily: UInt32,
                                     features: [OptionalFeature]) throws -> LogicalDevice {
        var priority: Float = 1
        var handle: VkDevice?
        let chain = FeatureChain()
        features.forEach(chain.enable)
        let extensions = features.map { strdup($0.extensionName) }
        defer { extensions.forEach { free($0) } }
        let result = withUnsafePointer(to: &priority) { priority in
            var queueInfo = VkDeviceQueueCreateInfo()
            queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
            queueInfo.queueFamilyIndex = queueFamily
            queueInfo.queueCount = 1
            queueInfo.pQueuePriorities = priority
            return withUnsafePointer(to: &queueInfo) { queueInfo in
                extensions.map { UnsafePointer<CChar>($0) }.withUnsafeBufferPointer { names in
                    var info = VkDeviceCreateInfo()
                    info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                    info.pNext = UnsafeRawPointer(chain.head)
                    info.queueCreateInfoCount = 1
                    info.pQueueCreateInfos = queueInfo
                    info.enabledExtensionCount = UInt32(names.count)
                    info.ppEnabledExtensionNames = names.baseAddress
                    return instance.table.vkCreateDevice(physical, &info, nil, &handle)
                }
            }
        }
        try check(result, "vkCreateDevice")
        guard let handle else { throw VulkanError.failed(call: "vkCreateDevice", result: 0) }
        do {
            let table = try withUnsafePointer(to: instance.table) { table in
                try loadTable { cvk_load_device(table, handle, $0) }
            }
            return LogicalDevice(handle: handle, vk: table)
        } catch {
            if let destroy = instance.table.vkGetDeviceProcAddr(handle, "vkDestroyDevice") {
                unsafeBitCast(destroy, to: PFN_vkDestroyDevice.self)(handle, nil)
            }
            throw error
        }
    }

    /// The memory types a storage buffer with `usage` may use (the same for every such buffer).
    private static func memoryTypeBits(usage: VkBufferUsageFlags, on device: LogicalDevice) throws -> UInt32 {
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = 256
        info.usage = usage
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var probe: VkBuffer?
        try check(device.vk.vkCreateBuffer(device.handle, &info, nil, &probe), "vkCreateBuffer")
        defer { device.vk.vkDestroyBuffer(device.handle, probe, nil) }
        var requirements = VkMemoryRequirements()
        device.vk.vkGetBufferMemoryRequirements(device.handle, probe, &requirements)
        return requirements.memoryTypeBits
    }
}

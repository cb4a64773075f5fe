import CVulkan

/// GPU time per kind of command, from a timestamp written after every recorded command.
///
/// Commands run one after another (each ends with a full barrier), so the difference between two
/// consecutive timestamps is the time of the command between them. Used by `bench --profile`.
struct KernelTimer {
    /// Time spent in one kind of command.
    struct Total {
        var count = 0
        var seconds = 0.0
    }

    private let pool: VkQueryPool
    private let queryCount: UInt32
    private let secondsPerTick: Double
    /// Labels of the commands recorded since the batch began, in order.
    private var labels: [String] = []
    private(set) var totals: [String: Total] = [:]

    /// - Parameters:
    ///   - capacity: the most commands one batch records.
    ///   - nanosecondsPerTick: the device's `timestampPeriod`.
    init(capacity: Int, nanosecondsPerTick: Float, on device: LogicalDevice) throws {
        var info = VkQueryPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
        info.queryType = VK_QUERY_TYPE_TIMESTAMP
        info.queryCount = UInt32(capacity + 1)
        queryCount = info.queryCount
        var pool: VkQueryPool?
        try check(device.vk.vkCreateQueryPool(device.handle, &info, nil, &pool), "vkCreateQueryPool")
        self.pool = pool!
        secondsPerTick = Double(nanosecondsPerTick) * 1e-9
    }

    /// Records the reset of the pool and the batch's first timestamp (before its first command).
    mutating func begin(_ commands: VkCommandBuffer, on device: LogicalDevice) {
        labels = []
        device.vk.vkCmdResetQueryPool(commands, pool, 0, queryCount)
        device.vk.vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, 0)
    }

    /// Records the timestamp that ends the command just recorded, a `label`.
    mutating func end(_ label: String, _ commands: VkCommandBuffer, on device: LogicalDevice) {
        labels.append(label)
        device.vk.vkCmdWriteTimestamp(commands, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, pool, UInt32(labels.count))
    }

    /// Adds the times of the batch that has just run to the totals.
    mutating func collect(on device: LogicalDevice) throws {
        guard !labels.isEmpty else { return }
        var ticks = [UInt64](repeating: 0, count: labels.count + 1)
        try ticks.withUnsafeMutableBytes { bytes in
            try check(device.vk.vkGetQueryPoolResults(device.handle, pool, 0, UInt32(labels.count + 1), bytes.count, bytes.baseAddress,
                                                      8, VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue),
                      "vkGetQueryPoolResults")
        }
        for (i, label) in labels.enumerated() {
            totals[label, default: Total()].count += 1
            totals[label, default: Total()].seconds += Double(ticks[i + 1] &- ticks[i]) * secondsPerTick
        }
        labels = []
    }

    func destroy(on device: LogicalDevice) {
        device.vk.vkDestroyQueryPool(device.handle, pool, nil)
    }
}

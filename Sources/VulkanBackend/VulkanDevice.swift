/// A Vulkan physical device as the driver reports it.
public struct VulkanDevice: Hashable, Sendable, CustomStringConvertible {
    /// The kind of device (`VkPhysicalDeviceType`).
    public enum Kind: String, Sendable {
        case discrete, integrated, virtual, cpu, other
    }

    /// Position in the driver's enumeration order.
    public let index: Int
    public let name: String
    public let kind: Kind
    /// Total size of the device-local memory heaps.
    public let memoryBytes: UInt64
    /// The Vulkan version the driver supports, "major.minor.patch".
    public let apiVersion: String
    /// Subgroup size, fp16 and tensor-core support.
    public let capabilities: DeviceCapabilities

    public var description: String {
        "\(name) (\(kind.rawValue), \(memoryBytes >> 20) MiB, Vulkan \(apiVersion); \(capabilities))"
    }

    /// The devices the Vulkan loader finds.
    /// - Throws: `VulkanError.noLoader` without libvulkan, `.noDevice` without any device.
    public static func list() throws -> [VulkanDevice] {
        let instance = try VulkanInstance()
        let devices = try instance.physicalDevices().enumerated().map { instance.describe($1, index: $0) }
        if devices.isEmpty { throw VulkanError.noDevice("the Vulkan loader found no device") }
        return devices
    }

    /// The device to use by default: the first discrete GPU, else the first integrated one.
    /// Other kinds (CPU-type devices such as Mesa's lavapipe, virtual GPUs) only with `allowOthers`,
    /// because the CPU backend is faster than a CPU-type Vulkan device.
    public static func preferred(among devices: [VulkanDevice], allowOthers: Bool = false) -> VulkanDevice? {
        let order: [Kind] = allowOthers ? [.discrete, .integrated, .virtual, .cpu, .other] : [.discrete, .integrated]
        return order.lazy.compactMap { kind in devices.first { $0.kind == kind } }.first
    }
}

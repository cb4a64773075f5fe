import Compute
import Platform
import VulkanBackend

extension DeviceSelection {
    /// Opens the backend this selection names, with the Vulkan options that the `GANET_SEG_*`
    /// variables of `environment` ask for (see `VulkanOptions`).
    public func makeBackend(environment: [String: String]) throws(DeviceUnavailable) -> any Backend {
        try makeBackend(options: VulkanOptions(environment: environment))
    }

    /// Opens the backend this selection names, with `options` for a Vulkan one.
    /// - Throws: `DeviceUnavailable` when the named device is not there or does not open.
    public func makeBackend(options: VulkanOptions = VulkanOptions()) throws(DeviceUnavailable) -> any Backend {
        switch self {
        case .cpu:
            return CPUBackend()
        case .auto:
            // No loader or no GPU is the normal case on a workstation without one: use the CPU.
            return (try? VulkanBackend(allowCPUDevice: false, options: options)) ?? CPUBackend()
        case .gpu:
            do { return try VulkanBackend(allowCPUDevice: false, options: options) } catch {
                throw DeviceUnavailable(selection: self, reason: "\(error)")
            }
        case .vulkan(let index):
            let devices: [VulkanDevice]
            do { devices = try VulkanDevice.list() } catch { throw DeviceUnavailable(selection: self, reason: "\(error)") }
            if let index, index >= devices.count {
                throw DeviceUnavailable(selection: self,
                                        reason: "there are \(devices.count) Vulkan devices (see `ganet-seg devices`)")
            }
            do {
                guard let index else { return try VulkanBackend(allowCPUDevice: true, options: options) }
                return try VulkanBackend(device: devices[index], options: options)
            } catch {
                throw DeviceUnavailable(selection: self, reason: "\(error)")
            }
        }
    }
}

/// The selected compute device is not present or does not open: a setting to change, not a
/// condition that clears by waiting.
public struct DeviceUnavailable: CategorizedError, Equatable {
    public let selection: DeviceSelection
    public let reason: String

    public init(selection: DeviceSelection, reason: String) {
        self.selection = selection
        self.reason = reason
    }

    public var category: FailureCategory { .badInput }
    public var stage: String { "device" }
    public var description: String { "device \(selection): \(reason)" }
}

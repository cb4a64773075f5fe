import CVulkan

/// A Vulkan instance with its entry points; destroying it is this object's job.
final class VulkanInstance {
    let loader: CVKLoaderTable
    let table: CVKInstanceTable
    let handle: VkInstance

    /// Opens the loader and creates an instance for Vulkan 1.1 (subgroup-era compute).
    init() throws {
        let loader: CVKLoaderTable = try loadTable { cvk_load_loader($0) }
        self.loader = loader
        var application = VkApplicationInfo()
        application.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
        application.apiVersion = cvk_make_api_version(0, 1, 1, 0)
        var info = VkInstanceCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
        var instance: VkInstance?
        let result = withUnsafePointer(to: &application) { application in
            info.pApplicationInfo = application
            return loader.vkCreateInstance(&info, nil, &instance)
        }
        // A loader without any driver (ICD) answers "incompatible driver".
        if result == VK_ERROR_INCOMPATIBLE_DRIVER { throw VulkanError.noDevice("no Vulkan driver installed") }
        try check(result, "vkCreateInstance")
        guard let instance else { throw VulkanError.failed(call: "vkCreateInstance", result: 0) }
        handle = instance
        do {
            table = try withUnsafePointer(to: loader) { entries in try loadTable { cvk_load_instance(entries, instance, $0) } }
        } catch {
            // Without the table the instance cannot be destroyed through it; resolve just that call.
            if let destroy = loader.vkGetInstanceProcAddr(instance, "vkDestroyInstance") {
                unsafeBitCast(destroy, to: PFN_vkDestroyInstance.self)(instance, nil)
            }
            throw error
        }
    }

    deinit { table.vkDestroyInstance(handle, nil) }

    /// The physical devices in the driver's order.
    func physicalDevices() throws -> [VkPhysicalDevice] {
        var count: UInt32 = 0
        try check(table.vkEnumeratePhysicalDevices(handle, &count, nil), "vkEnumeratePhysicalDevices")
        var devices = [VkPhysicalDevice?](repeating: nil, count: Int(count))
        try check(table.vkEnumeratePhysicalDevices(handle, &count, &devices), "vkEnumeratePhysicalDevices")
        return devices.prefix(Int(count)).compactMap { $0 }
    }

    /// Name, kind, memory and capabilities of a physical device.
    func describe(_ physical: VkPhysicalDevice, index: Int) -> VulkanDevice {
        var properties = VkPhysicalDeviceProperties()
        table.vkGetPhysicalDeviceProperties(physical, &properties)
        let name = withUnsafeBytes(of: properties.deviceName) { bytes in
            String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        let kind: VulkanDevice.Kind = switch properties.deviceType {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: .discrete
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: .integrated
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: .virtual
        case VK_PHYSICAL_DEVICE_TYPE_CPU: .cpu
        default: .other
        }
        let version = properties.apiVersion
        return VulkanDevice(index: index, name: name, kind: kind, memoryBytes: deviceLocalBytes(physical),
                            apiVersion: "\(cvk_api_version_major(version)).\(cvk_api_version_minor(version)).\(cvk_api_version_patch(version))",
                            capabilities: capabilities(physical))
    }

    func memoryProperties(_ physical: VkPhysicalDevice) -> VkPhysicalDeviceMemoryProperties {
        var memory = VkPhysicalDeviceMemoryProperties()
        table.vkGetPhysicalDeviceMemoryProperties(physical, &memory)
        return memory
    }

    /// The size of the device-local heaps.
    private func deviceLocalBytes(_ physical: VkPhysicalDevice) -> UInt64 {
        let memory = memoryProperties(physical)
        return withUnsafeBytes(of: memory.memoryHeaps) { raw in
            raw.bindMemory(to: VkMemoryHeap.self).prefix(Int(memory.memoryHeapCount))
                .filter { $0.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue != 0 }
                .reduce(0) { $0 + $1.size }
        }
    }
}

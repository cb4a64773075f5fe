import CVulkan

/// Why the Vulkan backend could not start, or could not run an op.
public enum VulkanError: Error, Equatable, CustomStringConvertible {
    /// libvulkan.so.1 (the Vulkan loader) is not installed.
    case noLoader
    /// The loader or driver lacks an entry point the backend needs.
    case missingEntryPoint(String)
    /// No usable Vulkan device; the reason says which were found.
    case noDevice(String)
    /// The device was lost (driver reset, GPU fault or hang): its tensors are gone.
    case deviceLost
    /// Device memory is exhausted.
    case outOfDeviceMemory
    /// Host memory is exhausted.
    case outOfHostMemory
    /// Any other failed call, with its `VkResult` code.
    case failed(call: String, result: Int32)

    public var description: String {
        switch self {
        case .noLoader: "no Vulkan loader (libvulkan.so.1) on this machine"
        case .missingEntryPoint(let name): "the Vulkan loader or driver lacks \(name)"
        case .noDevice(let reason): "no usable Vulkan device: \(reason)"
        case .deviceLost: "the Vulkan device was lost"
        case .outOfDeviceMemory: "out of Vulkan device memory"
        case .outOfHostMemory: "out of host memory (Vulkan)"
        case .failed(let call, let result): "\(call) failed with VkResult \(result)"
        }
    }

    /// The error for a failed `VkResult` of `call`, or nil on success.
    init?(_ result: VkResult, call: String) {
        switch result {
        case VK_SUCCESS: return nil
        case VK_ERROR_DEVICE_LOST: self = .deviceLost
        case VK_ERROR_OUT_OF_DEVICE_MEMORY: self = .outOfDeviceMemory
        case VK_ERROR_OUT_OF_HOST_MEMORY: self = .outOfHostMemory
        default: self = .failed(call: call, result: result.rawValue)
        }
    }
}

/// Throws the `VulkanError` of a failed call.
func check(_ result: VkResult, _ call: @autoclosure () -> String) throws {
    if let error = VulkanError(result, call: call()) { throw error }
}

/// Fills a CVulkan entry-point table through `load`, or throws why it could not.
func loadTable<Table>(_ load: (UnsafeMutablePointer<Table>) -> CVKLoadResult) throws -> Table {
    // The tables' fields are non-null function pointers, so Swift cannot make an empty one:
    // the C side fills raw memory, which is read only once every field is set.
    let table = UnsafeMutablePointer<Table>.allocate(capacity: 1)
    defer { table.deallocate() }
    switch load(table) {
    case CVK_LOADED: return table.move()
    case CVK_NO_LOADER: throw VulkanError.noLoader
    default: throw VulkanError.missingEntryPoint(cvk_missing_entry_point().map { String(cString: $0) } ?? "?")
    }
}

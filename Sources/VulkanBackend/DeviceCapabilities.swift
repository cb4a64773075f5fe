import CVulkan

/// What a device offers beyond plain Vulkan 1.1 compute, for the backend's faster paths.
public struct DeviceCapabilities: Hashable, Sendable, CustomStringConvertible {
    /// A tile shape of a cooperative-matrix multiply-add, C[M, N] += A[M, K] * B[K, N].
    public struct MatrixShape: Hashable, Sendable, CustomStringConvertible {
        public let m: Int, n: Int, k: Int
        public var description: String { "\(m)x\(n)x\(k)" }
    }

    /// Invocations per subgroup (32 on NVIDIA, 8 or more on lavapipe).
    public let subgroupSize: Int
    /// Shared memory one workgroup may use (`maxComputeSharedMemorySize`; Vulkan guarantees 16 KiB).
    public let sharedMemoryBytes: Int
    /// fp16 arithmetic in shaders (`shaderFloat16`).
    public let float16: Bool
    /// The Vulkan memory model (`vulkanMemoryModel`), which cooperative-matrix SPIR-V declares.
    public let memoryModel: Bool
    /// The driver reports each pipeline's statistics (registers, spills...: VK_KHR_pipeline_executable_properties).
    public let pipelineStatistics: Bool
    /// The subgroup-scope shapes of VK_NV_cooperative_matrix with fp16 A and B and fp32 C and D
    /// (tensor cores on NVIDIA); empty without the extension.
    public let halfMatrixShapes: [MatrixShape]

    /// Whether the tensor-core convolution (`conv_coopmat.comp`) can run: it is written for 16x16x16
    /// tiles, fp16 arithmetic, the Vulkan memory model and 32-wide subgroups.
    public var tensorCores: Bool {
        float16 && memoryModel && subgroupSize == 32 && halfMatrixShapes.contains(MatrixShape(m: 16, n: 16, k: 16))
    }

    public var description: String {
        var parts = ["subgroup \(subgroupSize)", "\(sharedMemoryBytes >> 10) KiB shared"]
        if float16 { parts.append("fp16") }
        if tensorCores { parts.append("tensor cores") }
        if !halfMatrixShapes.isEmpty {
            parts.append("cooperative matrix fp16->fp32 " + halfMatrixShapes.map(\.description).joined(separator: " "))
        }
        return parts.joined(separator: ", ")
    }
}

extension VulkanInstance {
    /// The capabilities of `physical` that the backend can use.
    func capabilities(_ physical: VkPhysicalDevice) -> DeviceCapabilities {
        let extensions = extensionNames(physical)
        var subgroup = VkPhysicalDeviceSubgroupProperties()
        subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
        var properties = VkPhysicalDeviceProperties2()
        properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
        withUnsafeMutablePointer(to: &subgroup) { subgroup in
            properties.pNext = UnsafeMutableRawPointer(subgroup)
            table.vkGetPhysicalDeviceProperties2(physical, &properties)
            properties.pNext = nil
        }
        let chain = FeatureChain()
        let read: [OptionalFeature] = [.float16, .memoryModel, .pipelineExecutables]
        for feature in read where extensions.contains(feature.extensionName) { chain.link(feature) }
        var features = VkPhysicalDeviceFeatures2()
        features.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2
        features.pNext = chain.head
        table.vkGetPhysicalDeviceFeatures2(physical, &features)
        let shapes = extensions.contains(OptionalFeature.cooperativeMatrix.extensionName) ? halfMatrixShapes(physical) : []
        return DeviceCapabilities(subgroupSize: Int(subgroup.subgroupSize),
                                  sharedMemoryBytes: Int(properties.properties.limits.maxComputeSharedMemorySize),
                                  float16: chain.isSet(.float16),
                                  memoryModel: chain.isSet(.memoryModel),
                                  pipelineStatistics: chain.isSet(.pipelineExecutables),
                                  halfMatrixShapes: shapes)
    }

    private func extensionNames(_ physical: VkPhysicalDevice) -> Set<String> {
        var count: UInt32 = 0
        guard table.vkEnumerateDeviceExtensionProperties(physical, nil, &count, nil) == VK_SUCCESS else { return [] }
        var properties = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(count))
        guard table.vkEnumerateDeviceExtensionProperties(physical, nil, &count, &properties) == VK_SUCCESS else { return [] }
        return Set(properties.prefix(Int(count)).map { property in
            withUnsafeBytes(of: property.extensionName) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        })
    }

    /// VK_NV_cooperative_matrix's fp16 x fp16 + fp32 shapes at subgroup scope. Its entry point is
    /// an extension's, outside the instance table, so it is resolved here and may be missing.
    private func halfMatrixShapes(_ physical: VkPhysicalDevice) -> [DeviceCapabilities.MatrixShape] {
        guard let entry = loader.vkGetInstanceProcAddr(handle, "vkGetPhysicalDeviceCooperativeMatrixPropertiesNV") else {
            return []
        }
        let query = unsafeBitCast(entry, to: PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesNV.self)
        var count: UInt32 = 0
        guard query(physical, &count, nil) == VK_SUCCESS else { return [] }
        var template = VkCooperativeMatrixPropertiesNV()
        template.sType = VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_NV
        var properties = [VkCooperativeMatrixPropertiesNV](repeating: template, count: Int(count))
        guard query(physical, &count, &properties) == VK_SUCCESS else { return [] }
        return properties.prefix(Int(count)).filter {
            $0.AType == VK_COMPONENT_TYPE_FLOAT16_NV && $0.BType == VK_COMPONENT_TYPE_FLOAT16_NV
                && $0.CType == VK_COMPONENT_TYPE_FLOAT32_NV && $0.DType == VK_COMPONENT_TYPE_FLOAT32_NV
                && $0.scope == VK_SCOPE_SUBGROUP_NV
        }.map { DeviceCapabilities.MatrixShape(m: Int($0.MSize), n: Int($0.NSize), k: Int($0.KSize)) }
    }
}

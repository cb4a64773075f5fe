import CVulkan

/// A device feature beyond Vulkan 1.1 that the backend reads and enables, each from its extension.
enum OptionalFeature: CaseIterable {
    /// `cooperativeMatrix`: tensor cores (conv_coopmat.comp).
    case cooperativeMatrix
    /// `shaderFloat16`: fp16 arithmetic in shaders.
    case float16
    /// `vulkanMemoryModel`, which cooperative-matrix SPIR-V declares.
    case memoryModel
    /// `pipelineExecutableInfo`: the driver's pipeline statistics.
    case pipelineExecutables

    var extensionName: String {
        switch self {
        case .cooperativeMatrix: "VK_NV_cooperative_matrix"
        case .float16: "VK_KHR_shader_float16_int8"
        case .memoryModel: "VK_KHR_vulkan_memory_model"
        case .pipelineExecutables: "VK_KHR_pipeline_executable_properties"
        }
    }
}

/// The feature structs of `OptionalFeature`, linked through pNext for vkGetPhysicalDeviceFeatures2
/// (to read them) or vkCreateDevice (to enable them): only linked ones are in the chain, so only
/// features whose extension the device has are ever named. The structs live on the heap, so the
/// chain's pointers stay valid while the chain does.
final class FeatureChain {
    private let cooperativeMatrix = UnsafeMutablePointer<VkPhysicalDeviceCooperativeMatrixFeaturesNV>.allocate(capacity: 1)
    private let float16 = UnsafeMutablePointer<VkPhysicalDeviceShaderFloat16Int8Features>.allocate(capacity: 1)
    private let memoryModel = UnsafeMutablePointer<VkPhysicalDeviceVulkanMemoryModelFeatures>.allocate(capacity: 1)
    private let executables = UnsafeMutablePointer<VkPhysicalDevicePipelineExecutablePropertiesFeaturesKHR>.allocate(capacity: 1)
    private var linked: Set<OptionalFeature> = []
    /// The first struct of the chain, for a pNext; nil when nothing is linked.
    private(set) var head: UnsafeMutableRawPointer?

    init() {
        cooperativeMatrix.initialize(to: .init())
        cooperativeMatrix.pointee.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_NV
        float16.initialize(to: .init())
        float16.pointee.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES
        memoryModel.initialize(to: .init())
        memoryModel.pointee.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES
        executables.initialize(to: .init())
        executables.pointee.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PIPELINE_EXECUTABLE_PROPERTIES_FEATURES_KHR
    }

    deinit {
        cooperativeMatrix.deallocate()
        float16.deallocate()
        memoryModel.deallocate()
        executables.deallocate()
    }

    /// Puts `feature`'s struct in the chain (once), to be read.
    func link(_ feature: OptionalFeature) {
        guard linked.insert(feature).inserted else { return }
        switch feature {
        case .cooperativeMatrix: cooperativeMatrix.pointee.pNext = head; head = UnsafeMutableRawPointer(cooperativeMatrix)
        case .float16: float16.pointee.pNext = head; head = UnsafeMutableRawPointer(float16)
        case .memoryModel: memoryModel.pointee.pNext = head; head = UnsafeMutableRawPointer(memoryModel)
        case .pipelineExecutables: executables.pointee.pNext = head; head = UnsafeMutableRawPointer(executables)
        }
    }

    /// Sets `feature` and puts it in the chain, to be enabled.
    func enable(_ feature: OptionalFeature) {
        let on = VkBool32(VK_TRUE)
        switch feature {
        case .cooperativeMatrix: cooperativeMatrix.pointee.cooperativeMatrix = on
        case .float16: float16.pointee.shaderFloat16 = on
        case .memoryModel: memoryModel.pointee.vulkanMemoryModel = on
        case .pipelineExecutables: executables.pointee.pipelineExecutableInfo = on
        }
        link(feature)
    }

    /// Whether `feature` is linked and set (after vkGetPhysicalDeviceFeatures2 filled the chain).
    func isSet(_ feature: OptionalFeature) -> Bool {
        guard linked.contains(feature) else { return false }
        return switch feature {
        case .cooperativeMatrix: cooperativeMatrix.pointee.cooperativeMatrix != 0
        case .float16: float16.pointee.shaderFloat16 != 0
        case .memoryModel: memoryModel.pointee.vulkanMemoryModel != 0
        case .pipelineExecutables: executables.pointee.pipelineExecutableInfo != 0
        }
    }
}

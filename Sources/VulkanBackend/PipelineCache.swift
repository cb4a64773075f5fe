import CVulkan
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Compute pipelines, built on first use and kept per shader variant (kernel and specialisation
/// constants), with their shader modules and layouts.
struct PipelineCache {
    /// The descriptor-set and pipeline layout shared by the kernels with one binding count.
    struct Layout {
        let descriptors: VkDescriptorSetLayout
        let pipeline: VkPipelineLayout
    }

    /// A kernel with values for its `constant_id` 0, 1, ... (ints or bools, 4 bytes each).
    struct Variant: Hashable {
        let kernel: Kernel
        let constants: [Int32]

        /// The shader's name and constants, as profiles list it ("conv_coopmat 0,1").
        var label: String {
            constants.isEmpty ? kernel.rawValue : kernel.rawValue + " " + constants.map(String.init).joined(separator: ",")
        }
    }

    /// Push-constant bytes every layout declares: the minimum `maxPushConstantsSize` Vulkan guarantees.
    static let pushConstantBytes = 128

    private var layouts: [Int: Layout] = [:]
    private var modules: [Kernel: VkShaderModule] = [:]
    private var pipelines: [Variant: VkPipeline] = [:]
    /// Pipelines are made with the driver's statistics captured (see `statistics(on:resolve:)`).
    private let capturesStatistics: Bool

    init(capturesStatistics: Bool = false, shaderFolder: String? = nil) {
        self.shaderFolder = shaderFolder
        self.capturesStatistics = capturesStatistics
    }

    /// The pipeline of `variant` and its layout.
    mutating func pipeline(_ variant: Variant, on device: LogicalDevice) throws -> (VkPipeline, Layout) {
        let layout = try self.layout(bindings: variant.kernel.bindings, on: device)
        if let pipeline = pipelines[variant] { return (pipeline, layout) }
        let module = try self.module(variant.kernel, on: device)
        let entries = variant.constants.indices.map {
            VkSpecializationMapEntry(constantID: UInt32($0), offset: UInt32(4 * $0), size: 4)
        }
        var pipeline: VkPipeline?
        let result = entries.withUnsafeBufferPointer { entries in
            variant.constants.withUnsafeBytes { data in
                var specialization = VkSpecializationInfo(mapEntryCount: UInt32(entries.count), pMapEntries: entries.baseAddress,
                                                          dataSize: data.count, pData: data.baseAddress)
                return withUnsafePointer(to: &specialization) { specialization in
                    "main".withCString { entry in
                        var stage = VkPipelineShaderStageCreateInfo()
                        stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                        stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                        stage.module = module
                        stage.pName = entry
                        stage.pSpecializationInfo = specialization
                        var info = VkComputePipelineCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                        if capturesStatistics { info.flags = VK_PIPELINE_CREATE_CAPTURE_STATISTICS_BIT_KHR.rawValue }
                        info.stage = stage
                        info.layout = layout.pipeline
                        return device.vk.vkCreateComputePipelines(device.handle, nil, 1, &info, nil, &pipeline)
                    }
                }
            }
        }
        try check(result, "vkCreateComputePipelines(\(variant.kernel.rawValue))")
        pipelines[variant] = pipeline!
        return (pipeline!, layout)
    }

    /// The driver's statistics of every pipeline made ("Register Count = 128", ...), by variant label;
    /// empty unless statistics are captured. `resolve` looks up a device entry point by name.
    func statistics(on device: LogicalDevice, resolve: (String) -> PFN_vkVoidFunction?) -> [String: [String]] {
        guard capturesStatistics,
              let executablesEntry = resolve("vkGetPipelineExecutablePropertiesKHR"),
              let statisticsEntry = resolve("vkGetPipelineExecutableStatisticsKHR") else { return [:] }
        let executables = unsafeBitCast(executablesEntry, to: PFN_vkGetPipelineExecutablePropertiesKHR.self)
        let statistics = unsafeBitCast(statisticsEntry, to: PFN_vkGetPipelineExecutableStatisticsKHR.self)
        var report: [String: [String]] = [:]
        for (variant, pipeline) in pipelines {
            var info = VkPipelineInfoKHR()
            info.sType = VK_STRUCTURE_TYPE_PIPELINE_INFO_KHR
            info.pipeline = pipeline
            var count: UInt32 = 0
            guard executables(device.handle, &info, &count, nil) == VK_SUCCESS else { continue }
            for index in 0..<count {
                var executable = VkPipelineExecutableInfoKHR()
                executable.sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_INFO_KHR
                executable.pipeline = pipeline
                executable.executableIndex = index
                var statisticCount: UInt32 = 0
                guard statistics(device.handle, &executable, &statisticCount, nil) == VK_SUCCESS else { continue }
                var template = VkPipelineExecutableStatisticKHR()
                template.sType = VK_STRUCTURE_TYPE_PIPELINE_EXECUTABLE_STATISTIC_KHR
                var values = [VkPipelineExecutableStatisticKHR](repeating: template, count: Int(statisticCount))
                guard statistics(device.handle, &executable, &statisticCount, &values) == VK_SUCCESS else { continue }
                report[variant.label, default: []] += values.prefix(Int(statisticCount)).map(Self.line)
            }
        }
        return report
    }

    private static func line(_ statistic: VkPipelineExecutableStatisticKHR) -> String {
        let name = withUnsafeBytes(of: statistic.name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let value = switch statistic.format {
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_BOOL32_KHR: statistic.value.b32 != 0 ? "true" : "false"
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_INT64_KHR: String(statistic.value.i64)
        case VK_PIPELINE_EXECUTABLE_STATISTIC_FORMAT_UINT64_KHR: String(statistic.value.u64)
        default: String(statistic.value.f64)
        }
        return "\(name) = \(value)"
    }

    /// Destroys every pipeline, module and layout.
    mutating func destroyAll(on device: LogicalDevice) {
        for pipeline in pipelines.values { device.vk.vkDestroyPipeline(device.handle, pipeline, nil) }
        for module in modules.values { device.vk.vkDestroyShaderModule(device.handle, module, nil) }
        for layout in layouts.values {
            device.vk.vkDestroyPipelineLayout(device.handle, layout.pipeline, nil)
            device.vk.vkDestroyDescriptorSetLayout(device.handle, layout.descriptors, nil)
        }
        pipelines = [:]
        modules = [:]
        layouts = [:]
    }

    /// `VulkanOptions.shaderFolder`: SPIR-V files that replace the embedded kernels.
    private let shaderFolder: String?

    private mutating func module(_ kernel: Kernel, on device: LogicalDevice) throws -> VkShaderModule {
        if let module = modules[kernel] { return module }
        let replacement = shaderFolder.flatMap { FileManager.default.contents(atPath: "\($0)/\(kernel.rawValue).spv") }
        guard let bytes = replacement ?? ShaderLibrary.spirv[kernel.rawValue].flatMap({ Data(base64Encoded: $0) }) else {
            preconditionFailure("no SPIR-V for kernel \(kernel.rawValue): run scripts/dev/compile-shaders.sh")
        }
        // Copied into 32-bit words: pCode must be 4-byte aligned.
        var words = [UInt32](repeating: 0, count: bytes.count / 4)
        _ = words.withUnsafeMutableBytes { bytes.copyBytes(to: $0) }
        var module: VkShaderModule?
        let result = words.withUnsafeBufferPointer { words in
            var info = VkShaderModuleCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
            info.codeSize = bytes.count
            info.pCode = words.baseAddress
            return device.vk.vkCreateShaderModule(device.handle, &info, nil, &module)
        }
        try check(result, "vkCreateShaderModule(\(kernel.rawValue))")
        modules[kernel] = module!
        return module!
    }

    private mutating func layout(bindings: Int, on device: LogicalDevice) throws -> Layout {
        if let layout = layouts[bindings] { return layout }
        let slots = (0..<bindings).map {
            VkDescriptorSetLayoutBinding(binding: UInt32($0), descriptorType: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                         descriptorCount: 1, stageFlags: VK_SHADER_STAGE_COMPUTE_BIT.rawValue,
                                         pImmutableSamplers: nil)
        }
        var descriptors: VkDescriptorSetLayout?
        try slots.withUnsafeBufferPointer { slots in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.bindingCount = UInt32(slots.count)
            info.pBindings = slots.baseAddress
            try check(device.vk.vkCreateDescriptorSetLayout(device.handle, &info, nil, &descriptors),
                      "vkCreateDescriptorSetLayout")
        }
        var range = VkPushConstantRange(stageFlags: VK_SHADER_STAGE_COMPUTE_BIT.rawValue, offset: 0,
                                        size: UInt32(Self.pushConstantBytes))
        var pipeline: VkPipelineLayout?
        let result = withUnsafePointer(to: &range) { range in
            withUnsafePointer(to: &descriptors) { setLayouts in
                var info = VkPipelineLayoutCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                info.setLayoutCount = 1
                info.pSetLayouts = setLayouts
                info.pushConstantRangeCount = 1
                info.pPushConstantRanges = range
                return device.vk.vkCreatePipelineLayout(device.handle, &info, nil, &pipeline)
            }
        }
        if let error = VulkanError(result, call: "vkCreatePipelineLayout") {
            device.vk.vkDestroyDescriptorSetLayout(device.handle, descriptors, nil)
            throw error
        }
        let layout = Layout(descriptors: descriptors!, pipeline: pipeline!)
        layouts[bindings] = layout
        return layout
    }
}

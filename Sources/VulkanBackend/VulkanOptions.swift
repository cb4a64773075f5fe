/// How the Vulkan backend uses a device beyond what the device offers: switches for comparing
/// code paths and for developing shaders. Built once at the program's edge (`init(environment:)`)
/// and passed down, so nothing deep in the backend reads the environment.
public struct VulkanOptions: Equatable, Sendable {
    /// Run convolutions on tensor cores where the device has them (`GANET_SEG_TENSOR_CORES=0`
    /// turns them off, to compare the portable path).
    public var tensorCores = true
    /// Pack convolution operands to fp16 with tensor cores (`GANET_SEG_PACK_HALF=0` turns it off).
    public var packHalfWithTensorCores = true
    /// Capture per-pipeline statistics for `bench --profile` (`GANET_SEG_PIPELINE_STATISTICS=1`).
    public var pipelineStatistics = false
    /// A folder of `<kernel>.spv` files that replace the embedded SPIR-V, for developing shaders
    /// without rebuilding (`GANET_SEG_SHADER_DIR`; kernels without a file there stay embedded).
    public var shaderFolder: String?

    public init() {}

    /// The options the `GANET_SEG_*` variables of `environment` ask for.
    public init(environment: [String: String]) {
        tensorCores = environment["GANET_SEG_TENSOR_CORES"] != "0"
        packHalfWithTensorCores = environment["GANET_SEG_PACK_HALF"] != "0"
        pipelineStatistics = environment["GANET_SEG_PIPELINE_STATISTICS"] == "1"
        shaderFolder = environment["GANET_SEG_SHADER_DIR"].flatMap { $0.isEmpty ? nil : $0 }
    }
}

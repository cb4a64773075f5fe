import Compute
import Devices
import Platform
import Testing
import VulkanBackend

@Suite struct DeviceSelectionTests {
    @Test func parsesEverySpelling() {
        #expect(DeviceSelection("auto") == .auto)
        #expect(DeviceSelection("cpu") == .cpu)
        #expect(DeviceSelection("gpu") == .gpu)
        #expect(DeviceSelection("vulkan") == .vulkan(index: nil))
        #expect(DeviceSelection("vulkan:0") == .vulkan(index: 0))
        #expect(DeviceSelection("vulkan:12") == .vulkan(index: 12))
    }

    @Test(arguments: ["", "tpu", "CPU", "vulkan:", "vulkan:-1", "vulkan:x", "vulkan:+1", "vulkan:1 ", "vulkan:١"])
    func rejectsAnythingElse(text: String) {
        #expect(DeviceSelection(text) == nil)
    }

    @Test func descriptionSpellsItBack() {
        for text in ["auto", "cpu", "gpu", "vulkan", "vulkan:3"] {
            #expect(DeviceSelection(text)?.description == text)
        }
    }

    @Test func cpuOpensTheCPUBackend() throws {
        #expect(try DeviceSelection.cpu.makeBackend() is CPUBackend)
    }

    @Test func aVulkanIndexPastTheLastDeviceIsUnavailableWithTheCount() throws {
        let count = (try? VulkanDevice.list().count) ?? 0
        let error = #expect(throws: DeviceUnavailable.self) { try DeviceSelection.vulkan(index: count).makeBackend() }
        #expect(error?.category == .badInput && error?.stage == "device")
        if count > 0 {
            #expect(error?.description == "device vulkan:\(count): there are \(count) Vulkan devices (see `ganet-seg devices`)")
        }
    }
}

@Suite struct VulkanOptionsTests {
    @Test func defaultsUseWhatTheDeviceOffers() {
        let options = VulkanOptions(environment: [:])
        #expect(options == VulkanOptions())
        #expect(options.tensorCores && options.packHalfWithTensorCores && !options.pipelineStatistics && options.shaderFolder == nil)
    }

    @Test func environmentSwitchesPathsForComparison() {
        let options = VulkanOptions(environment: [
            "GANET_SEG_TENSOR_CORES": "0", "GANET_SEG_PACK_HALF": "0",
            "GANET_SEG_PIPELINE_STATISTICS": "1", "GANET_SEG_SHADER_DIR": "/tmp/spv",
        ])
        #expect(!options.tensorCores && !options.packHalfWithTensorCores && options.pipelineStatistics)
        #expect(options.shaderFolder == "/tmp/spv")
        #expect(VulkanOptions(environment: ["GANET_SEG_SHADER_DIR": ""]).shaderFolder == nil)
    }
}

import Compute
import Testing
import TestSupport
import VulkanBackend

/// The reference backend.
let cpu = CPUBackend()

/// The Vulkan backend under test, on any device (lavapipe on CI), opened once.
let opened = Result { try VulkanBackend(allowCPUDevice: true) }

/// Why the Vulkan tests are skipped, printed once: only a missing Vulkan loader or device skips;
/// any other failure to open the device makes the tests fail.
let skipReason: String? = {
    guard case .failure(let error) = opened else { return nil }
    switch error as? VulkanError {
    case .noLoader?, .noDevice?:
        print("VulkanBackendTests skipped: \(error)")
        return "\(error)"
    default:
        return nil
    }
}()

/// The Vulkan backend (throws the error that opening it gave).
func vulkan() throws -> VulkanBackend { try opened.get() }

/// The same values on both backends.
struct Pair {
    let cpu: Tensor
    let gpu: Tensor
    var shape: Shape { cpu.shape }
}

func pair(_ values: [Float], _ shape: Shape, on gpu: VulkanBackend) -> Pair {
    Pair(cpu: cpu.upload(values, shape: shape), gpu: gpu.upload(values, shape: shape))
}

func randomPair(_ shape: Shape, in range: ClosedRange<Float> = -1...1, seed: UInt64, on gpu: VulkanBackend) -> Pair {
    pair(randomValues(shape.count, .uniform(range), seed: seed), shape, on: gpu)
}

/// Checks the Vulkan result against the CPU one: equal shapes and |g - c| <= atol + rtol * |c|.
func expectAgree(_ gpuResult: Tensor, _ cpuResult: Tensor, on gpu: VulkanBackend, rtol: Float, atol: Float,
                 _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(gpuResult.shape == cpuResult.shape, "\(what) shape", sourceLocation: sourceLocation)
    let g = gpu.download(gpuResult), c = cpu.download(cpuResult)
    let bad = zip(g, c).enumerated().filter { _, pair in !(Swift.abs(pair.0 - pair.1) <= atol + rtol * Swift.abs(pair.1)) }
    #expect(bad.isEmpty, "\(what): \(bad.count) of \(c.count) differ, first: \(bad.prefix(3).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" })",
            sourceLocation: sourceLocation)
}

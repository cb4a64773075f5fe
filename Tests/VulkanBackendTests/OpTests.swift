import Compute
import Testing
import TestSupport
import VulkanBackend

/// Device-specific checks beside the conformance suite (`VulkanConformanceTests`): the device
/// list, memory round trips, and statistics of planes far from zero.
@Suite(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
struct OpTests {
    let gpu: VulkanBackend
    init() throws { gpu = try vulkan() }

    @Test func devicesAreListed() throws {
        let devices = try VulkanDevice.list()
        #expect(devices.contains(gpu.device))
        #expect(VulkanDevice.preferred(among: devices)?.kind != .cpu, "CPU-type devices only on request")
    }

    @Test func memoryOps() {
        let values = randomValues(70, seed: 1)
        let x = gpu.upload(values, shape: Shape(2, 5, 7, 1))
        #expect(gpu.download(x) == values)
        #expect(gpu.download(gpu.full(Shape(1, 3, 3, 3), value: -2.5)) == [Float](repeating: -2.5, count: 27))
        #expect(gpu.scalar(gpu.upload([4], shape: .scalar)) == 4)
    }

    /// Planes far from zero against their spread (1000 + [0, 1]), where E[x^2] - E[x]^2 in fp32
    /// would lose every digit of the variance: the one-pass statistics keep them.
    @Test func instanceNormOfOffsetPlanes() {
        let x = randomPair(Shape(2, 3, 33, 40), in: 1000...1001, seed: 13, on: gpu)
        let gamma = pair([1, 1, 1], Shape(1, 3, 1, 1), on: gpu), beta = pair([0, 0, 0], Shape(1, 3, 1, 1), on: gpu)
        let c = cpu.instanceNorm(x.cpu, gamma: gamma.cpu, beta: beta.cpu, epsilon: 1e-5, rectifier: nil)
        let g = gpu.instanceNorm(x.gpu, gamma: gamma.gpu, beta: beta.gpu, epsilon: 1e-5, rectifier: nil)
        expectAgree(g.mean, c.mean, on: gpu, rtol: 1e-6, atol: 0, "mean")
        expectAgree(g.invStd, c.invStd, on: gpu, rtol: 1e-3, atol: 0, "invStd")
        expectAgree(g.y, c.y, on: gpu, rtol: 1e-3, atol: 2e-3, "y")
    }
}

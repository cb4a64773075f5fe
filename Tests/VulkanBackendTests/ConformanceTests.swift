import Compute
import Testing
import TestSupport
import VulkanBackend

/// The conformance suite on the Vulkan device (lavapipe on CI): every op case against the CPU
/// backend, which `CPUConformanceTests` holds to the direct-loop references.
@Suite(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
struct VulkanConformanceTests {
    let gpu: VulkanBackend
    init() throws { gpu = try vulkan() }

    @Test(arguments: OpCase.all)
    func matchesTheCPU(_ op: OpCase) {
        let outputs = op.outputs(on: gpu), expected = op.outputs(on: cpu)
        #expect(outputs.count == expected.count)
        for (i, (output, reference)) in zip(outputs, expected).enumerated() {
            #expect(output.shape == reference.shape, "\(op.name) output \(i) shape")
            expectClose(output.values, reference.values.map(Double.init), op.tolerance, "\(op.name) output \(i)")
        }
    }
}

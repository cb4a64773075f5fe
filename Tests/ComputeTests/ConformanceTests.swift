import Compute
import Testing
import TestSupport

/// The conformance suite on the CPU backend: every op case against its direct-loop reference.
@Suite struct CPUConformanceTests {
    @Test(arguments: OpCase.all)
    func matchesTheReference(_ op: OpCase) {
        let outputs = op.outputs(on: backend)
        let expected = op.reference(op.values())
        #expect(outputs.count == expected.count)
        for (i, (output, values)) in zip(outputs, expected).enumerated() {
            expectClose(output.values, values, op.tolerance, "\(op.name) output \(i)")
        }
    }
}

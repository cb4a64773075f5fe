import Compute
import Testing
import TestSupport

@Suite struct GraphTests {
    /// Inference mode records nothing: results carry no tape slot, so backward finds no gradients.
    @Test func inferenceRecordsNothing() {
        let graph = Graph(backend: backend, recording: false)
        let weight = Parameter("conv.weight", randomTensor(Shape(2, 1, 3, 3), seed: 1))
        let x = graph.constant(randomTensor(Shape(1, 1, 4, 4), seed: 2))
        let loss = graph.sum(graph.relu(graph.conv2d(x, graph.parameter(weight), nil, geometry: ConvGeometry(padding: 1))))
        #expect(graph.backward(loss)[weight] == nil)
    }

    /// A parameter used twice gets the sum of both uses' gradients: d/dw sum(w * w * x) = 2 w x.
    @Test func sharedParameterAccumulates() {
        let graph = Graph(backend: backend)
        let w = Parameter("w", backend.upload([1, -2, 3], shape: Shape(1, 3, 1, 1)))
        let x = graph.constant(backend.upload([0.5, 0.25, -1], shape: Shape(1, 3, 1, 1)))
        let loss = graph.sum(graph.mul(graph.mul(graph.parameter(w), graph.parameter(w)), x))
        let gradient = graph.backward(loss)[w].map(backend.download)
        #expect(gradient == [1, -1, -6])
    }

    /// Constants get no gradient, and a parameter the loss does not use gets none either.
    @Test func gradientsOnlyForUsedLeaves() {
        let graph = Graph(backend: backend)
        let used = Parameter("used", backend.upload([2], shape: .scalar))
        let unused = Parameter("unused", backend.upload([3], shape: .scalar))
        _ = graph.parameter(unused)
        let c = graph.constant(backend.upload([4], shape: .scalar))
        let grads = graph.backward(graph.mul(graph.parameter(used), c))
        #expect(grads[used].map(backend.download) == [4])
        #expect(grads[unused] == nil && grads[c] == nil)
        #expect(grads.parameters.map(\.parameter.name) == ["used"])
    }
}

@Suite struct AdamTests {
    /// Two steps with L2 weight decay 1e-4, lr 0.1, betas (0.9, 0.999), eps 1e-8.
    ///
    /// Step 1: mhat = g', vhat = g'^2, so each weight moves by lr * sign(g'): 1 -> 0.9, -2 -> -2.1.
    /// Step 2, first weight: g' = -0.25 + 1e-4 * 0.9 = -0.24991; m = 0.9 * 0.05001 + 0.1 g' = 0.020018;
    /// v = 0.999 * 0.05001^2 + 0.001 g'^2 = 3.12305e-4; mhat = m / 0.19 = 0.105358;
    /// sqrt(vhat) = sqrt(v / 0.001999) = 0.395261; 0.9 - 0.1 * 0.105358 / 0.395261 = 0.873345.
    @Test func matchesHandComputedSteps() {
        let p = Parameter("p", backend.upload([1, -2], shape: Shape(1, 2, 1, 1)))
        let adam = Adam(parameters: [p], backend: backend, weightDecay: 1e-4)
        for (g, expected) in [([Float(0.5), 0.1], [0.9, -2.1]), ([-0.25, 0.3], [0.873345, -2.191762])] {
            let graph = Graph(backend: backend)
            // loss = sum(p * g) has gradient g.
            let loss = graph.sum(graph.mul(graph.parameter(p), graph.constant(backend.upload(g, shape: p.value.shape))))
            adam.step(graph.backward(loss), learningRate: 0.1)
            expectClose(backend.download(p.value), expected, rtol: 0, atol: 2e-6)
        }
        #expect(adam.stepCount == 2)
    }
}

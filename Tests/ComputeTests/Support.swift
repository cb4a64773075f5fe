import Compute
import Randomness
import Testing
import TestSupport

let backend = CPUBackend()

func randomTensor(_ shape: Shape, _ draw: Draw = .uniform(-1...1), seed: UInt64) -> Tensor {
    backend.upload(randomValues(shape.count, draw, seed: seed), shape: shape)
}

/// Finite-difference gradient check of `f` at random inputs.
///
/// The scalar checked is `L = sum(f(inputs) * R)` with a fixed random `R`, so every output
/// element carries a distinct weight. Analytical gradients come from `Graph.backward` (the
/// backend's backward ops); numerical ones from central differences
/// `(L(x + h) - L(x - h)) / 2h`, `h = 1e-2`, with `L` evaluated in Float32 by the backend and
/// differenced in Float64. Up to `samples` elements per input are checked, against
/// `|analytic - numeric| <= 2e-3 + 2e-2 * max(|analytic|, |numeric|)`: Float32 rounding of
/// `L` divided by `2h` stays below about 1e-4 for these sizes, and the O(h^2) truncation
/// error is below 1e-3 relative for the smooth ops.
func checkGradients(_ inputs: [(Shape, Draw)], step h: Float = 1e-2, samples: Int = 30, seed: UInt64 = 1,
                    sourceLocation: SourceLocation = #_sourceLocation,
                    _ f: (Graph, [Variable]) -> Variable) {
    let values = inputs.enumerated().map { i, input in randomValues(input.0.count, input.1, seed: seed &+ UInt64(i) &* 7919) }
    var weights: [Float]?
    func loss(_ graph: Graph, _ vars: [Variable]) -> Variable {
        let out = f(graph, vars)
        if weights == nil { weights = randomValues(out.value.count, .uniform(-1...1), seed: seed &+ 104_729) }
        return graph.sum(graph.mul(out, graph.constant(backend.upload(weights!, shape: out.shape))))
    }
    func evaluate(_ values: [[Float]]) -> Double {
        let graph = Graph(backend: backend, recording: false)
        let vars = zip(values, inputs).map { graph.constant(backend.upload($0, shape: $1.0)) }
        return Double(backend.scalar(loss(graph, vars).value))
    }

    let graph = Graph(backend: backend)
    let vars = zip(values, inputs).map { graph.input(backend.upload($0, shape: $1.0)) }
    let grads = graph.backward(loss(graph, vars))
    var rng = RandomSource(seed: seed &+ 31)
    for (i, variable) in vars.enumerated() {
        guard let gradient = grads[variable] else {
            Issue.record("no gradient for input \(i)", sourceLocation: sourceLocation)
            continue
        }
        let analytic = backend.download(gradient)
        let count = values[i].count
        let picked = count <= samples ? Array(0..<count) : Array((0..<count).shuffled(using: &rng).prefix(samples))
        for element in picked {
            var plus = values, minus = values
            plus[i][element] += h
            minus[i][element] -= h
            let numeric = (evaluate(plus) - evaluate(minus)) / Double(2 * h)
            let a = Double(analytic[element])
            #expect(Swift.abs(a - numeric) <= 2e-3 + 2e-2 * max(Swift.abs(a), Swift.abs(numeric)),
                    "input \(i) element \(element): analytic \(a), numeric \(numeric)", sourceLocation: sourceLocation)
        }
    }
}

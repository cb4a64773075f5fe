import Compute
import Testing

/// Deterministic SplitMix64, so every test sees the same numbers on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// How test inputs are drawn.
enum Draw {
    /// Uniform in `range`.
    case uniform(ClosedRange<Float>)
    /// Magnitude in 0.1...1 with random sign: at least 0.1 from the kinks of ReLU and |x|.
    case awayFromZero
    /// A shuffled ladder with steps of 0.05: ties in max pooling are at least that far apart.
    case distinct
}

let backend = CPUBackend()

func randomValues(_ count: Int, _ draw: Draw, _ rng: inout SeededGenerator) -> [Float] {
    switch draw {
    case .uniform(let range): return (0..<count).map { _ in Float.random(in: range, using: &rng) }
    case .awayFromZero:
        return (0..<count).map { _ in Float.random(in: 0.1...1, using: &rng) * (Bool.random(using: &rng) ? 1 : -1) }
    case .distinct: return (0..<count).map { Float($0) * 0.05 - Float(count) * 0.025 }.shuffled(using: &rng)
    }
}

func randomTensor(_ shape: Shape, _ draw: Draw = .uniform(-1...1), seed: UInt64) -> Tensor {
    var rng = SeededGenerator(seed: seed)
    return backend.upload(randomValues(shape.count, draw, &rng), shape: shape)
}

/// Checks `actual` against `expected` element-wise: |a - e| <= atol + rtol * |e|.
func expectClose(_ actual: [Float], _ expected: [Double], rtol: Double = 1e-4, atol: Double = 1e-5,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    let bad = zip(actual, expected).enumerated().filter { _, pair in
        Swift.abs(Double(pair.0) - pair.1) > atol + rtol * Swift.abs(pair.1)
    }
    #expect(bad.isEmpty, "\(bad.count) of \(actual.count) differ, first: \(bad.prefix(3).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" })",
            sourceLocation: sourceLocation)
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
    let values = inputs.enumerated().map { i, input in
        var rng = SeededGenerator(seed: seed &+ UInt64(i) &* 7919)
        return randomValues(input.0.count, input.1, &rng)
    }
    var weights: [Float]?
    func loss(_ graph: Graph, _ vars: [Variable]) -> Variable {
        let out = f(graph, vars)
        if weights == nil {
            var rng = SeededGenerator(seed: seed &+ 104_729)
            weights = randomValues(out.value.count, .uniform(-1...1), &rng)
        }
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
    var rng = SeededGenerator(seed: seed &+ 31)
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

/// A value in a `Graph`: a tensor, plus its position on the tape when it needs a gradient.
public struct Variable {
    /// The forward value.
    public let value: Tensor
    /// The tape slot of a value that depends on a parameter or differentiable input; nil for
    /// constants and for everything computed while not recording.
    let id: Int?

    /// The forward value's shape.
    public var shape: Shape { value.shape }
}

/// Reverse-mode automatic differentiation over a `Backend`.
///
/// Each op runs its forward on the backend at once and, when recording and any input needs a
/// gradient, appends a closure that maps the output's gradient to its inputs' gradients using
/// the backend's backward ops. A graph serves one forward/backward pass; make a new one per step.
/// With `recording: false` nothing is kept, so inference holds no activations for backward.
public final class Graph {
    /// The device every op runs on.
    public let backend: any Backend
    /// Whether ops are recorded for `backward` (false for inference).
    public let isRecording: Bool

    private struct Entry {
        let output: Int
        let inputs: [Int?]
        let backward: Backward
    }

    /// Maps an op's output gradient to one gradient per input, given which inputs need one
    /// (ops skip expensive gradients nobody needs, e.g. a first convolution's input gradient).
    typealias Backward = (_ grad: Tensor, _ needed: [Bool]) -> [Tensor?]

    private var tape: [Entry] = []
    private var slotCount = 0
    /// Tape slots of the leaves gradients are reported for (parameters and `input`s).
    private var leaves: Set<Int> = []
    /// Parameters used in this graph and their variables (holding the parameter keeps its
    /// identifier from being reused while the graph or its gradients live).
    private var parameterSlots: [ObjectIdentifier: (parameter: Parameter, variable: Variable)] = [:]
    /// Parameters that enter this graph as constants (held for the same reason).
    private var frozen: [ObjectIdentifier: Parameter] = [:]

    public init(backend: any Backend, recording: Bool = true) {
        self.backend = backend
        self.isRecording = recording
    }

    // MARK: Leaves

    /// A value that needs no gradient (data, targets, masks).
    public func constant(_ tensor: Tensor) -> Variable { Variable(value: tensor, id: nil) }

    /// A value whose gradient `backward` reports (used for inputs of gradient checks and
    /// adversarial terms that differentiate through an image).
    public func input(_ tensor: Tensor) -> Variable {
        guard isRecording else { return constant(tensor) }
        let variable = Variable(value: tensor, id: newSlot())
        leaves.insert(variable.id!)
        return variable
    }

    /// The parameter's current value; repeated calls in one graph give the same variable, so
    /// gradients of shared weights add up. A frozen parameter is a constant.
    public func parameter(_ parameter: Parameter) -> Variable {
        if frozen[ObjectIdentifier(parameter)] != nil { return constant(parameter.value) }
        if let known = parameterSlots[ObjectIdentifier(parameter)] { return known.variable }
        let variable = input(parameter.value)
        parameterSlots[ObjectIdentifier(parameter)] = (parameter, variable)
        return variable
    }

    /// Makes `parameters` enter this graph as constants: `backward` computes no gradient for
    /// them (nothing can update them), while gradients still flow through them to inputs. Freeze
    /// before the parameters are first used in the graph.
    public func freeze(_ parameters: [Parameter]) {
        for parameter in parameters {
            precondition(parameterSlots[ObjectIdentifier(parameter)] == nil, "\(parameter.name) is already in use as trainable")
            frozen[ObjectIdentifier(parameter)] = parameter
        }
    }

    private func newSlot() -> Int {
        slotCount += 1
        return slotCount - 1
    }

    // MARK: Recording

    /// Wraps an op's forward result, recording `backward` only when some input needs a gradient.
    func record(_ output: Tensor, _ inputs: [Variable], backward: @escaping Backward) -> Variable {
        guard isRecording, inputs.contains(where: { $0.id != nil }) else { return constant(output) }
        let slot = newSlot()
        tape.append(Entry(output: slot, inputs: inputs.map(\.id), backward: backward))
        return Variable(value: output, id: slot)
    }

    // MARK: Backward

    /// Gradients of the single-element `loss` with respect to every parameter and `input` it
    /// depends on. Consumes the tape: call once per graph.
    public func backward(_ loss: Variable) -> Gradients {
        precondition(loss.value.count == 1, "backward needs a scalar loss, got \(loss.shape)")
        guard let root = loss.id else { return Gradients(bySlot: [:], parameterSlots: parameterSlots) }
        var grads: [Int: Tensor] = [root: backend.full(loss.shape, value: 1)]
        for entry in tape.reversed() {
            // Interior gradients are dropped once used, freeing them as the pass proceeds
            // (leaves are never op outputs, so theirs stay).
            guard let grad = grads.removeValue(forKey: entry.output) else { continue }
            for (input, inputGrad) in zip(entry.inputs, entry.backward(grad, entry.inputs.map { $0 != nil })) {
                guard let input, let inputGrad else { continue }
                grads[input] = grads[input].map { backend.binary($0, inputGrad, .add) } ?? inputGrad
            }
        }
        tape.removeAll()
        return Gradients(bySlot: grads.filter { leaves.contains($0.key) }, parameterSlots: parameterSlots)
    }
}

/// The result of `Graph.backward`: gradients by leaf.
public struct Gradients {
    let bySlot: [Int: Tensor]
    let parameterSlots: [ObjectIdentifier: (parameter: Parameter, variable: Variable)]

    /// The gradient of an `input` or parameter variable; nil when the loss does not depend on it.
    public subscript(_ variable: Variable) -> Tensor? { variable.id.flatMap { bySlot[$0] } }

    /// The gradient of a parameter used in the graph; nil when unused or the loss does not depend on it.
    public subscript(_ parameter: Parameter) -> Tensor? {
        parameterSlots[ObjectIdentifier(parameter)].flatMap { self[$0.variable] }
    }

    /// Every parameter the loss depends on, with its gradient (e.g. for gradient norms), by name.
    public var parameters: [(parameter: Parameter, gradient: Tensor)] {
        parameterSlots.values.compactMap { slot in self[slot.variable].map { (slot.parameter, $0) } }
            .sorted { $0.parameter.name < $1.parameter.name }
    }
}

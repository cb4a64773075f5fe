import Glibc

/// The scalars of one Adam update, with PyTorch `torch.optim.Adam` semantics.
///
/// Weight decay is L2 (added to the gradient, `g + decay * p`, as `Adam(weight_decay=)` does),
/// not AdamW's decoupled decay: GANet-Seg specifies "Adam, weight decay 1e-4" in PyTorch terms.
public struct AdamStep: Hashable, Sendable {
    public var learningRate: Float
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public var weightDecay: Float
    /// 1-based step number, for the bias corrections `1 - beta^t`.
    public var t: Int

    public init(learningRate: Float, beta1: Float, beta2: Float, epsilon: Float, weightDecay: Float, t: Int) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.t = t
    }

    /// `1 / (1 - beta1^t)`.
    public var correction1: Float { Float(1 / (1 - pow(Double(beta1), Double(t)))) }
    /// `1 / (1 - beta2^t)`.
    public var correction2: Float { Float(1 / (1 - pow(Double(beta2), Double(t)))) }
}

/// Adam over a set of parameters; moments live on the parameters' backend.
public final class Adam {
    public let parameters: [Parameter]
    public var beta1: Float = 0.9
    public var beta2: Float = 0.999
    public var epsilon: Float = 1e-8
    public var weightDecay: Float
    /// Steps taken so far.
    public private(set) var stepCount = 0

    private let backend: any Backend
    private var moments: [ObjectIdentifier: (m: Tensor, v: Tensor)] = [:]

    public init(parameters: [Parameter], backend: any Backend, weightDecay: Float = 1e-4) {
        self.parameters = parameters
        self.backend = backend
        self.weightDecay = weightDecay
    }

    /// The first and second moment estimates of `parameter`, once it has been updated.
    public func moments(of parameter: Parameter) -> (m: Tensor, v: Tensor)? {
        moments[ObjectIdentifier(parameter)]
    }

    /// Restores a saved state (a checkpoint) so that training continues exactly where it stopped.
    public func restore(stepCount: Int, moments saved: [(Parameter, Tensor, Tensor)]) {
        self.stepCount = stepCount
        moments = Dictionary(uniqueKeysWithValues: saved.map { (ObjectIdentifier($0.0), (m: $0.1, v: $0.2)) })
    }

    /// Updates every parameter that has a gradient (others keep their value and moments,
    /// like PyTorch parameters whose `.grad` is None).
    public func step(_ gradients: Gradients, learningRate: Float) {
        stepCount += 1
        let scalars = AdamStep(learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                               weightDecay: weightDecay, t: stepCount)
        for parameter in parameters {
            guard let gradient = gradients[parameter] else { continue }
            let key = ObjectIdentifier(parameter)
            let (m, v) = moments[key] ?? (backend.zeros(parameter.value.shape), backend.zeros(parameter.value.shape))
            let next = backend.adam(parameter.value, gradient: gradient, m: m, v: v, step: scalars)
            parameter.value = next.value
            moments[key] = (next.m, next.v)
        }
    }
}

import Platform

/// Stride and zero padding of a 2D convolution, shared by both spatial axes.
/// The kernel size comes from the weight tensor.
public struct ConvGeometry: Hashable, Sendable {
    public var stride: Int
    public var padding: Int

    public init(stride: Int = 1, padding: Int = 0) {
        precondition(stride >= 1 && padding >= 0, "invalid convolution geometry")
        self.stride = stride
        self.padding = padding
    }

    /// Output extent of a convolution along one axis: `(input + 2p - k) / s + 1`.
    public func convOutput(_ input: Int, kernel: Int) -> Int {
        let span = input + 2 * padding - kernel
        precondition(span >= 0, "kernel \(kernel) larger than padded input \(input)")
        return span / stride + 1
    }

    /// Output extent of a transposed convolution along one axis: `(input - 1) s - 2p + k`
    /// (PyTorch's `ConvTranspose2d` with `output_padding = 0`).
    public func transposedOutput(_ input: Int, kernel: Int) -> Int {
        (input - 1) * stride - 2 * padding + kernel
    }
}

/// A square max-pooling window; padded positions never win.
public struct PoolGeometry: Hashable, Sendable {
    public var kernel: Int
    public var stride: Int
    public var padding: Int

    public init(kernel: Int, stride: Int, padding: Int = 0) {
        precondition(kernel >= 1 && stride >= 1 && padding >= 0 && 2 * padding < kernel + 1,
                     "invalid pooling geometry")
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
    }

    /// Output extent along one axis.
    public func output(_ input: Int) -> Int { (input + 2 * padding - kernel) / stride + 1 }
}

/// Element-wise unary functions.
public enum Pointwise: Hashable, Sendable {
    case relu
    /// `x` for `x > 0`, else `slope * x` (GANet-Seg's discriminator uses 0.2).
    case leakyRelu(slope: Float)
    case tanh
    case sigmoid
    /// Natural logarithm; inputs must be positive (clamp probabilities before).
    case log
    case abs
    /// `log(1 + exp(x))`, computed stably; `log(sigmoid(x)) = -softplus(-x)` gives a binary
    /// cross-entropy on logits that never takes the log of an underflowed probability.
    case softplus
}

/// A rectifier fused into the op before it (instance norm), saving a pass over the activations.
/// Its derivative follows from the output's sign alone, so the backward pass needs no pre-activation.
public enum Rectifier: Hashable, Sendable {
    /// `max(y, 0)`.
    case relu
    /// `y` for `y > 0`, else `slope * y` (`slope > 0`).
    case leakyRelu(slope: Float)

    /// The factor of negative values.
    public var negativeSlope: Float {
        switch self {
        case .relu: 0
        case .leakyRelu(let slope): slope
        }
    }

    /// The same function as an element-wise op.
    public var pointwise: Pointwise {
        switch self {
        case .relu: .relu
        case .leakyRelu(let slope): .leakyRelu(slope: slope)
        }
    }
}

/// Element-wise binary functions; operands broadcast NCHW-wise (see `Shape.broadcast`).
public enum Binary: Hashable, Sendable {
    case add, sub, mul, div
}

/// The primitive op set every compute device implements (the CPU through OpenBLAS, GPUs through Vulkan).
///
/// Ops take and return `Tensor`s only, so networks and training never see where the values
/// live. Each differentiable op has the backward ops its gradient needs; the autodiff tape
/// (`Graph`) composes them. Ops never modify their inputs.
public protocol Backend: AnyObject, Sendable {
    /// A human-readable device name for logs and metrics.
    var deviceName: String { get }

    /// Waits until the queued ops have run, and throws `DeviceFailure` if the device failed since
    /// it was opened (lost, out of memory). Ops cannot throw: after a failure they return
    /// meaningless values, so callers check here before they use results. The CPU never fails.
    func synchronize() throws

    // MARK: Memory
    /// Copies host values (NCHW order, `shape.count` of them) into a new tensor.
    func upload(_ values: [Float], shape: Shape) -> Tensor
    /// Copies a tensor's values to the host in NCHW order.
    func download(_ tensor: Tensor) -> [Float]
    /// A tensor with every element equal to `value`.
    func full(_ shape: Shape, value: Float) -> Tensor

    // MARK: Convolution
    /// Cross-correlation of `x` `[N, I, H, W]` with `weight` `[O, I, kH, kW]` (PyTorch OIHW),
    /// plus `bias` `[1, O, 1, 1]` when given.
    func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor
    /// `conv2d` of the channel concatenation of `parts` (`[N, I_k, H, W]`, same N, H and W): the
    /// U-Net decoder's skip and upsampled inputs. Backends that read the parts in place save the
    /// copy; the default concatenates them first.
    func conv2d(concatenating parts: [Tensor], weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor
    /// Gradient of `conv2d` with respect to its input of shape `inputShape`.
    func conv2dBackwardInput(_ dy: Tensor, weight: Tensor, inputShape: Shape, geometry: ConvGeometry) -> Tensor
    /// Gradient of `conv2d` with respect to its weight of shape `weightShape`.
    func conv2dBackwardWeight(_ dy: Tensor, input x: Tensor, weightShape: Shape, geometry: ConvGeometry) -> Tensor
    /// Transposed convolution of `x` `[N, I, H, W]` with `weight` `[I, O, kH, kW]` (PyTorch IOHW),
    /// plus `bias` `[1, O, 1, 1]` when given: the adjoint of `conv2d` with that weight read as OIHW.
    func convTranspose2d(_ x: Tensor, weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor

    // MARK: Normalisation
    /// Instance norm per sample and channel over H x W, then `gamma * xhat + beta`
    /// (`gamma`, `beta`: `[1, C, 1, 1]`), then `rectifier` if given. Also returns the per-plane
    /// `mean` and `invStd` (`[N, C, 1, 1]`), which the backward op needs.
    func instanceNorm(_ x: Tensor, gamma: Tensor, beta: Tensor, epsilon: Float, rectifier: Rectifier?)
        -> (y: Tensor, mean: Tensor, invStd: Tensor)
    /// Gradients of `instanceNorm` (without its rectifier) with respect to `x`, `gamma` and `beta`.
    func instanceNormBackward(_ dy: Tensor, x: Tensor, gamma: Tensor, mean: Tensor, invStd: Tensor)
        -> (dx: Tensor, dGamma: Tensor, dBeta: Tensor)

    // MARK: Element-wise
    /// Applies `op` to every element.
    func pointwise(_ x: Tensor, _ op: Pointwise) -> Tensor
    /// Gradient of `pointwise`: `dy * op'(x)`, given the input `x` and output `y` of the forward op.
    func pointwiseBackward(_ dy: Tensor, x: Tensor, y: Tensor, _ op: Pointwise) -> Tensor
    /// `a op b` with NCHW broadcasting.
    func binary(_ a: Tensor, _ b: Tensor, _ op: Binary) -> Tensor
    /// `scale * x + shift`.
    func affine(_ x: Tensor, scale: Float, shift: Float) -> Tensor
    /// Sums `x` down to `shape`, where every axis of `shape` is 1 or equal to that of `x`:
    /// a full sum, per-channel sums (`[1, C, 1, 1]`), per-plane sums (`[N, C, 1, 1]`), ...
    /// It is also the gradient of broadcasting.
    func sum(_ x: Tensor, to shape: Shape) -> Tensor

    // MARK: Channels
    /// Softmax over the channel axis, independently per sample and pixel.
    func softmaxChannels(_ x: Tensor) -> Tensor
    /// Gradient of `softmaxChannels` given its output `y`: `y * (dy - sum_c dy * y)`.
    func softmaxChannelsBackward(_ dy: Tensor, y: Tensor) -> Tensor
    /// Log-softmax over channels, `x - log(sum_c exp(x))` computed stably: the input of a
    /// cross-entropy, where `log(softmax)` would give -inf once a probability underflows.
    func logSoftmaxChannels(_ x: Tensor) -> Tensor
    /// Gradient of `logSoftmaxChannels` given its output `y`: `dy - exp(y) * sum_c dy`.
    func logSoftmaxChannelsBackward(_ dy: Tensor, y: Tensor) -> Tensor
    /// Concatenation along the channel axis (equal N, H, W).
    func concatChannels(_ parts: [Tensor]) -> Tensor
    /// Channels `range` of `x`.
    func sliceChannels(_ x: Tensor, _ range: Range<Int>) -> Tensor

    // MARK: Spatial
    /// Max pooling per plane. `argmax` holds, per output element, the winning input's index
    /// within its `H x W` plane (exact in Float32 for planes under 2^24 elements).
    func maxPool2d(_ x: Tensor, geometry: PoolGeometry) -> (y: Tensor, argmax: Tensor)
    /// Gradient of `maxPool2d`: routes `dy` to the winners, accumulating where windows overlap.
    func maxPool2dBackward(_ dy: Tensor, argmax: Tensor, inputShape: Shape) -> Tensor
    /// The 3x3 Laplacian `[[0,1,0],[1,-4,1],[0,1,0]]` per channel with zero padding 1.
    /// The kernel is symmetric, so the op is self-adjoint: its gradient is `laplacian(dy)`.
    func laplacian(_ x: Tensor) -> Tensor

    // MARK: Optimisation
    /// One fused Adam update of a parameter tensor and its moment estimates (see `AdamStep`).
    func adam(_ value: Tensor, gradient: Tensor, m: Tensor, v: Tensor, step: AdamStep)
        -> (value: Tensor, m: Tensor, v: Tensor)
}

/// A compute device stopped working: its results since the failure are meaningless. Another
/// attempt, on the device opened anew or on another one, may succeed.
public struct DeviceFailure: CategorizedError, Sendable {
    public var category: FailureCategory { .transient }
    public var stage: String { "segment" }

    /// The backend's `deviceName`.
    public let device: String
    /// What failed, in the device API's words.
    public let reason: String

    public init(device: String, reason: String) {
        self.device = device
        self.reason = reason
    }

    public var description: String { "\(device) failed: \(reason)" }
}

public extension Backend {
    func conv2d(concatenating parts: [Tensor], weight: Tensor, bias: Tensor?, geometry: ConvGeometry) -> Tensor {
        conv2d(parts.count == 1 ? parts[0] : concatChannels(parts), weight: weight, bias: bias, geometry: geometry)
    }

    /// An all-zero tensor.
    func zeros(_ shape: Shape) -> Tensor { full(shape, value: 0) }
    /// Copies a single-element tensor to the host.
    func scalar(_ tensor: Tensor) -> Float {
        precondition(tensor.count == 1, "scalar() of a tensor with shape \(tensor.shape)")
        return download(tensor)[0]
    }
}

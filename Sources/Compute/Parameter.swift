/// A trainable tensor with its state_dict-style name (e.g. `enc1.conv1.weight`).
///
/// A reference type so that networks, the optimiser and checkpoints share one value.
public final class Parameter {
    /// The PyTorch-style dotted name the weights file uses.
    public let name: String
    /// The current value; the optimiser replaces it after each step.
    public var value: Tensor
    /// The shape PyTorch gives this tensor (a bias or norm scale is 1D `[C]`, stored here as
    /// `[1, C, 1, 1]`; a convolution weight keeps its four axes even when some are 1).
    public let torchShape: [Int]

    /// - Parameter torchShape: the PyTorch shape; defaults to the four NCHW axes of `value`.
    public init(_ name: String, _ value: Tensor, torchShape: [Int]? = nil) {
        precondition(torchShape.map { $0.reduce(1, *) == value.count } ?? true, "\(name): shape does not match its value")
        self.name = name
        self.value = value
        self.torchShape = torchShape ?? value.shape.dims
    }
}

/// A trainable tensor with its state_dict-style name (e.g. `enc1.conv1.weight`).
///
/// A reference type so that networks, the optimiser and checkpoints share one value.
public final class Parameter {
    /// The PyTorch-style dotted name the weights file uses.
    public let name: String
    /// The current value; the optimiser replaces it after each step.
    public var value: Tensor

    public init(_ name: String, _ value: Tensor) {
        self.name = name
        self.value = value
    }
}

/// Backend-owned memory behind a tensor (host memory on the CPU, a device buffer on a GPU).
///
/// Storage is immutable once an op has produced it: ops return new tensors and never write
/// their inputs, which is what lets the autodiff tape keep forward values for the backward pass.
public protocol TensorStorage: AnyObject, Sendable {}

/// An NCHW Float32 tensor: a shape and a storage handle owned by the backend that made it.
///
/// Values reach the host only through `Backend.download`; a tensor from one backend must not
/// be passed to another.
public struct Tensor: Sendable {
    public let shape: Shape
    public let storage: any TensorStorage

    public init(shape: Shape, storage: any TensorStorage) {
        self.shape = shape
        self.storage = storage
    }

    /// Number of elements.
    public var count: Int { shape.count }
}

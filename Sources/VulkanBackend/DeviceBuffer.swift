import Compute
import Synchronization

/// A tensor's storage on a Vulkan device; its buffer goes back to the context's pool when the
/// last tensor using it is released.
final class DeviceBuffer: TensorStorage, @unchecked Sendable {
    // Unchecked: `raw` is immutable; the context serialises every use of the handles.
    let raw: RawBuffer
    let context: VulkanContext
    /// The fp16 copies that `pack_half.comp` made of this buffer, by the shape it was read as, kept
    /// while the buffer lives: ops never write a buffer again once it is made, so a weight is packed
    /// once however many passes use it (a transposed convolution's weight is read as two shapes in
    /// training: forward and backward).
    let packed = Mutex<[Shape: DeviceBuffer]>([:])

    init(raw: RawBuffer, context: VulkanContext) {
        self.raw = raw
        self.context = context
    }

    deinit { context.recycle(raw) }
}

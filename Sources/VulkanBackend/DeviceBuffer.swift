import Compute
import Synchronization

/// A tensor's storage on a Vulkan device; its buffer goes back to the context's pool when the
/// last tensor using it is released.
final class DeviceBuffer: TensorStorage, @unchecked Sendable {
    // Unchecked: `raw` is immutable; the context serialises every use of the handles.
    let raw: RawBuffer
    let context: VulkanContext
    /// The fp16 copy that `pack_half.comp` made of this buffer read as `shape`, kept while the
    /// buffer lives: ops never write a buffer again once it is made, so a weight is packed once
    /// however many passes use it.
    let packed = Mutex<(shape: Shape, buffer: DeviceBuffer)?>(nil)

    init(raw: RawBuffer, context: VulkanContext) {
        self.raw = raw
        self.context = context
    }

    deinit { context.recycle(raw) }
}

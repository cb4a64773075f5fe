import Compute

/// A tensor's storage on a Vulkan device; its buffer goes back to the context's pool when the
/// last tensor using it is released.
final class DeviceBuffer: TensorStorage, @unchecked Sendable {
    // Unchecked: `raw` is immutable; the context serialises every use of the handles.
    let raw: RawBuffer
    let context: VulkanContext

    init(raw: RawBuffer, context: VulkanContext) {
        self.raw = raw
        self.context = context
    }

    deinit { context.recycle(raw) }
}

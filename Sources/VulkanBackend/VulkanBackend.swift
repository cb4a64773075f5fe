import Compute

/// The Vulkan implementation of `Backend`: GLSL compute shaders (embedded as SPIR-V) on a GPU,
/// or on any Vulkan device such as Mesa's lavapipe.
///
/// Ops are recorded into one command buffer and run when the host needs a result (`download`,
/// `scalar`, `synchronize`), so a network pass costs one submission. The `Backend` protocol's
/// ops cannot throw: a device failure (device lost, out of device memory) is kept, every later op
/// does nothing (downloads give zeros), and `synchronize()` throws it as a `DeviceFailure`. The
/// backend stays failed; open a new one to go on.
public final class VulkanBackend: Backend {
    /// The device the backend runs on.
    public let device: VulkanDevice
    public let deviceName: String
    let context: VulkanContext

    /// Whether convolutions run on tensor cores (see `DeviceCapabilities.tensorCores`).
    public var tensorCores: Bool { context.tensorCores }
    /// Whether the convolution products of `conv_gemm.glsl` (forward convolutions and the 2x2
    /// upsampling) read fp16 NHWC copies of their input and weight (`pack_half.comp`, one pass each)
    /// rather than gathering fp32 elements.
    public let packsHalfOperands: Bool

    /// Opens `device`, one of `VulkanDevice.list()`. `packsHalfOperands` defaults to whether the
    /// convolutions run on tensor cores, whose products take fp16 operands either way (unless the
    /// options say otherwise); the fp32 kernels take it on request (tests check the packed path on
    /// lavapipe), rounding their operands.
    public init(device: VulkanDevice, options: VulkanOptions = VulkanOptions(), packsHalfOperands: Bool? = nil) throws {
        context = try VulkanContext(device, options: options)
        self.packsHalfOperands = packsHalfOperands ?? context.packsHalfByDefault
        self.device = device
        deviceName = "Vulkan \(device.name) (\(device.kind.rawValue)\(context.tensorCores ? ", tensor cores fp16" : ""))"
    }

    /// Opens the preferred device: the first discrete GPU, else the first integrated one; CPU-type
    /// devices (lavapipe) only when `allowCPUDevice` (tests, CI).
    /// - Throws: `VulkanError.noLoader`, or `.noDevice` when no device qualifies.
    public convenience init(allowCPUDevice: Bool = false, options: VulkanOptions = VulkanOptions()) throws {
        let devices = try VulkanDevice.list()
        guard let device = VulkanDevice.preferred(among: devices, allowOthers: allowCPUDevice) else {
            throw VulkanError.noDevice("no GPU among \(devices.map(\.description).joined(separator: ", "))")
        }
        try self.init(device: device, options: options)
    }

    /// Runs every recorded op and waits for it; throws `DeviceFailure` if the device has failed.
    public func synchronize() throws {
        do { try context.synchronize() } catch let error as VulkanError {
            throw DeviceFailure(device: deviceName, reason: error.description)
        }
    }

    // MARK: Profiling

    /// GPU time of one kind of command: a shader with its constants ("conv_coopmat 0,1"), or
    /// "upload", "download", "fill", "copy".
    public struct KernelTime: Sendable {
        public let label: String
        public let count: Int
        public let seconds: Double
    }

    /// Starts timing every command on the device (timestamps after each; a little slower).
    public func startProfiling() throws { try context.startProfiling() }

    /// The driver's statistics of each shader variant used so far ("Register Count = 128", ...):
    /// empty unless the driver reports them and `GANET_SEG_PIPELINE_STATISTICS=1` was set when the
    /// backend was opened.
    public func pipelineStatistics() -> [(shader: String, statistics: [String])] {
        context.pipelineStatistics().map { (shader: $0.key, statistics: $0.value) }.sorted { $0.shader < $1.shader }
    }

    /// The GPU time per kind of command since `startProfiling()`, longest first.
    public func kernelTimes() throws -> [KernelTime] {
        try context.kernelTimes().map { KernelTime(label: $0.key, count: $0.value.count, seconds: $0.value.seconds) }
            .sorted { $0.seconds > $1.seconds }
    }

    // MARK: Memory

    public func upload(_ values: [Float], shape: Shape) -> Tensor {
        precondition(values.count == shape.count, "\(values.count) values for shape \(shape)")
        let (tensor, out) = allocate(shape)
        must { try values.withUnsafeBytes { try context.upload($0, to: out.raw) } }
        return tensor
    }

    public func download(_ tensor: Tensor) -> [Float] {
        let source = buffer(tensor)
        return [Float](unsafeUninitializedCapacity: tensor.count) { values, count in
            let copied = must(or: false) {
                try context.download(source.raw, into: UnsafeMutableRawBufferPointer(values))
                return true
            }
            if !copied { values.initialize(repeating: 0) }
            count = tensor.count
        }
    }

    public func full(_ shape: Shape, value: Float) -> Tensor {
        let (tensor, out) = allocate(shape)
        must { try context.fill(out.raw, bytes: 4 * shape.count, pattern: value.bitPattern) }
        return tensor
    }

    // MARK: Plumbing for the ops

    /// The device buffer of a tensor this backend made.
    func buffer(_ tensor: Tensor) -> DeviceBuffer {
        guard let buffer = tensor.storage as? DeviceBuffer, buffer.context === context else {
            preconditionFailure("tensor of shape \(tensor.shape) does not belong to \(deviceName)")
        }
        return buffer
    }

    /// A new tensor with uninitialised elements, and its buffer for an op to write.
    func allocate(_ shape: Shape) -> (Tensor, DeviceBuffer) {
        precondition(shape.count < Int(Int32.max), "tensor \(shape) too large for 32-bit shader indices")
        let buffer = allocate(bytes: 4 * shape.count)
        return (Tensor(shape: shape, storage: buffer), buffer)
    }

    /// A new buffer with uninitialised contents (for data that is no fp32 tensor).
    func allocate(bytes: Int) -> DeviceBuffer {
        DeviceBuffer(raw: must(or: context.placeholder) { try context.makeBuffer(bytes: bytes) }, context: context)
    }

    /// Records `kernel` over `buffers` (bindings 0, 1, ...) with integer then float push constants.
    /// The buffers are parameters, so their tensors stay alive until the dispatch is recorded; after
    /// that they may be released (see `BufferPool`). `detail` tells this dispatch apart in profiles.
    func launch(_ kernel: Kernel, constants: [Int32] = [], _ buffers: [DeviceBuffer], ints: [Int], floats: [Float] = [],
                groups: (x: Int, y: Int, z: Int), detail: @autoclosure () -> String = "") {
        let push = ints.map { UInt32(bitPattern: Int32($0)) } + floats.map(\.bitPattern)
        must {
            try context.dispatch(PipelineCache.Variant(kernel: kernel, constants: constants), buffers: buffers.map(\.raw),
                                 push: push, groups: groups, detail: detail())
        }
    }

    /// Workgroups for `items` independent work items: one item per invocation, grid-stride beyond
    /// the 65535 workgroups every device supports per dimension.
    static func groups(items: Int) -> (x: Int, y: Int, z: Int) {
        (min(65535, max(1, (items + Kernel.workgroupSize - 1) / Kernel.workgroupSize)), 1, 1)
    }

    /// Runs a context call unless the device has failed; a failure it meets is kept for
    /// `synchronize()` (see the type's documentation), and `fallback` stands in for its result.
    func must<T>(or fallback: @autoclosure () -> T, _ body: () throws -> T) -> T {
        guard context.failure == nil else { return fallback() }
        do {
            return try body()
        } catch let error as VulkanError {
            context.fail(error)
        } catch {
            preconditionFailure("\(deviceName): \(error)")  // context calls throw VulkanError alone
        }
        return fallback()
    }

    /// `must` for calls without a result.
    func must(_ body: () throws -> Void) {
        must(or: (), body)
    }
}

import Compute
import Testing
import TestSupport
@testable import VulkanBackend

/// Device capabilities, the per-kernel profile, and the convolution products the GEMM kernels take
/// over (conv_tiled on devices without tensor cores, such as lavapipe).
@Suite(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
struct DeviceTests {
    @Test func tensorCoresNeedEveryPart() {
        let shapes = [DeviceCapabilities.MatrixShape(m: 16, n: 8, k: 16), .init(m: 16, n: 16, k: 16)]
        func capabilities(subgroup: Int = 32, float16: Bool = true, memoryModel: Bool = true,
                          shapes: [DeviceCapabilities.MatrixShape] = shapes) -> DeviceCapabilities {
            DeviceCapabilities(subgroupSize: subgroup, sharedMemoryBytes: 48 << 10, float16: float16, memoryModel: memoryModel,
                               pipelineStatistics: false, halfMatrixShapes: shapes)
        }
        #expect(capabilities().tensorCores)
        #expect(!capabilities(subgroup: 64).tensorCores)
        #expect(!capabilities(float16: false).tensorCores)
        #expect(!capabilities(memoryModel: false).tensorCores)
        #expect(!capabilities(shapes: [shapes[0]]).tensorCores, "the kernel is written for 16x16x16")
        #expect(capabilities().description == "subgroup 32, 48 KiB shared, fp16, tensor cores, cooperative matrix fp16->fp32 16x8x16 16x16x16")
    }

    /// 128-row tiles only where they divide M (the U-Net's 128- and 256-channel layers) and the
    /// device has the 48 KiB of shared memory they need; 64-row ones elsewhere.
    @Test func packedTensorCoreTileByRows() {
        func kernel(_ m: Int, shared: Int = 48 << 10) -> String {
            let (kernel, rows) = VulkanBackend.packedTensorCoreKernel(rows: m, sharedMemoryBytes: shared)
            return "\(kernel.rawValue) \(rows)"
        }
        #expect([4, 64, 128, 256, 320, 384].map { kernel($0) } == [
            "conv_coopmat_packed 64", "conv_coopmat_packed 64", "conv_coopmat_packed_wide 128",
            "conv_coopmat_packed_wide 128", "conv_coopmat_packed 64", "conv_coopmat_packed_wide 128",
        ])
        #expect(kernel(256, shared: 40 << 10) == "conv_coopmat_packed 64")
    }

    /// A backend of its own, so that no other test's commands enter its profile.
    @Test func profileTimesEachConvolutionByShape() throws {
        let gpu = try VulkanBackend(device: try vulkan().device)
        try gpu.startProfiling()
        let x = gpu.upload(randomValues(2 * 3 * 9 * 8, seed: 11), shape: Shape(2, 3, 9, 8))
        let w = gpu.upload(randomValues(5 * 3 * 3 * 3, seed: 12), shape: Shape(5, 3, 3, 3))
        _ = gpu.download(gpu.conv2d(x, weight: w, bias: nil, geometry: ConvGeometry(stride: 1, padding: 1)))
        let times = try gpu.kernelTimes()
        let kernel = gpu.tensorCores ? "conv_coopmat" : "conv_tiled"
        let conv = times.first { $0.label == "\(kernel) 0,0 M=5 N=144 K=27" }
        #expect(conv?.count == 1, "\(times.map(\.label))")
        #expect((conv?.seconds ?? 0) > 0)
        #expect(times.first { $0.label == "upload" }?.count == 2)
        #expect(times.map(\.seconds) == times.map(\.seconds).sorted(by: >), "longest first")
    }

    /// The U-Net's upsampling (kernel = stride = 2, no padding) as four 1x1 products, with enough
    /// channels for several K steps and columns for several tiles that cross samples.
    @Test func upsamplingAcrossTiles() throws {
        let gpu = try vulkan()
        let geometry = ConvGeometry(stride: 2, padding: 0)
        let x = randomPair(Shape(2, 40, 9, 11), seed: 13, on: gpu)
        let w = randomPair(Shape(40, 20, 2, 2), seed: 14, on: gpu)
        let b = randomPair(Shape(1, 20, 1, 1), seed: 15, on: gpu)
        expectAgree(gpu.convTranspose2d(x.gpu, weight: w.gpu, bias: b.gpu, geometry: geometry),
                    cpu.convTranspose2d(x.cpu, weight: w.cpu, bias: b.cpu, geometry: geometry), on: gpu,
                    rtol: 1e-4, atol: 3e-4)
    }
}

/// After a device failure the backend does no more work, returns zeros, and `synchronize()` reports
/// the failure; the failure is injected where a failing Vulkan call would record it.
@Suite(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
struct DeviceFailureTests {
    @Test func failureIsKeptAndReportedBySynchronize() throws {
        let gpu = try VulkanBackend(device: try vulkan().device)
        let x = gpu.upload([1, 2, 3, 4], shape: Shape(1, 1, 2, 2))
        try gpu.synchronize()
        gpu.context.fail(.deviceLost)
        gpu.context.fail(.outOfDeviceMemory)  // the first failure counts
        let y = gpu.pointwise(x, .relu)
        let made = gpu.upload([5, 6], shape: Shape(1, 1, 1, 2))
        #expect(gpu.download(y) == [0, 0, 0, 0])
        #expect(gpu.download(made) == [0, 0])
        #expect(throws: DeviceFailure.self) { try gpu.synchronize() }
        do { try gpu.synchronize() } catch let failure as DeviceFailure {
            #expect(failure.reason == "the Vulkan device was lost")
            #expect(failure.device == gpu.deviceName)
        }
    }
}

import Compute
import Networks
import Testing
import TestSupport
@testable import Training  // SliceSample's memberwise initialiser
import VulkanBackend

/// Whole networks on both backends: a small U-Net's forward pass and training steps.
@Suite(.enabled(if: skipReason == nil, Comment(rawValue: skipReason ?? "")))
struct NetworkTests {
    let gpu: VulkanBackend
    init() throws { gpu = try vulkan() }

    static let configuration = UNetConfiguration(inputChannels: 4, classes: 4, widths: [4, 8], bottleneck: 8)

    /// Logits of the same network (same seed) agree to 1e-4 (a dozen convolutions and norms in
    /// Float32, summed in another order).
    @Test func unetForward() {
        let shape = Shape(2, 4, 16, 16)
        let values = randomValues(shape.count, seed: 30)
        func logits(_ backend: any Backend) -> Tensor {
            let g = Graph(backend: backend, recording: false)
            return UNet(Self.configuration, backend: backend, seed: 5)(g, g.constant(backend.upload(values, shape: shape))).value
        }
        expectAgree(logits(gpu), logits(cpu), on: gpu, rtol: 1e-3, atol: 1e-4)
    }

    /// Two `Trainer.step`s from the same weights. The losses must agree. Adam's first step moves
    /// every parameter by about the learning rate times the sign of its gradient, so parameters whose
    /// gradient is zero up to rounding (conv biases before instance norm) may move either way on
    /// either backend: all parameters agree within 2 lr, and nearly all within 1% of lr.
    @Test func trainingSteps() throws {
        let n = 16
        let samples: [SliceSample] = (0..<2).map { s in
            let classes = (0..<n * n).map { UInt8(($0 / n + $0 % n + s) % 4) }
            return SliceSample(image: randomValues(4 * n * n, seed: 40 + UInt64(s)), classes: classes, height: n, width: n)
        }
        var options = TrainingOptions()
        options.run.weightDecay = 0
        let lr: Float = 1e-3
        func train(_ backend: any Backend) -> (losses: [Double], parameters: [Float]) {
            let trainer = Trainer(network: UNet(Self.configuration, backend: backend, seed: 6), backend: backend, options: options)
            let losses = (0..<2).map { _ in trainer.step(samples, learningRate: lr).0 }
            return (losses, trainer.network.parameters.flatMap { backend.download($0.value) })
        }
        let (c, g) = (train(cpu), train(gpu))
        for (lossG, lossC) in zip(g.losses, c.losses) {
            #expect(Swift.abs(lossG - lossC) <= 1e-4 * Swift.abs(lossC), "loss \(lossG) vs \(lossC)")
        }
        let differences = zip(g.parameters, c.parameters).map { Swift.abs($0 - $1) }
        #expect(differences.max()! <= 2 * lr + 1e-5, "largest parameter difference \(differences.max()!)")
        let close = differences.filter { $0 <= 0.01 * lr }.count
        #expect(Double(close) >= 0.9 * Double(differences.count), "\(close) of \(differences.count) parameters within 1% of lr")
    }
}

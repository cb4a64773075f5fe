import Compute
import Foundation
import Networks
import Pipeline
import Randomness
import Testing
@testable import Training
import Volumes

@Suite struct GANLossTests {
    let backend = CPUBackend()

    /// An 8x8 mask with a single 1 at (row 3, col 3).
    /// 5x5 max-pool (stride 1, pad 2): ones on rows 1...5 x cols 1...5 (a 5x5 block B).
    /// Laplacian (up + down + left + right - 4 * centre, zero outside):
    /// - inside B, interior (rows/cols 2...4): 4 - 4 = 0;
    /// - B's edge, not a corner, e.g. (1,3): up 0 + down 1 + left 1 + right 1 - 4 = -1 -> |.| = 1;
    /// - B's corners, e.g. (1,1): 0 + 1 + 0 + 1 - 4 = -2 -> 2;
    /// - just outside B beside an edge, e.g. (0,3): down 1, the rest 0 -> 1; diagonal to a corner, e.g. (0,0): 0.
    /// |Laplacian|:
    ///   row 0: 0 1 1 1 1 1 0 0
    ///   row 1: 1 2 1 1 1 2 1 0
    ///   row 2: 1 1 0 0 0 1 1 0   (rows 3 and 4 the same)
    ///   row 5: 1 2 1 1 1 2 1 0
    ///   row 6: 0 1 1 1 1 1 0 0
    ///   row 7: 0 0 0 0 0 0 0 0
    /// Max over 2x2 cells (a discriminator with one stride-2 layer):
    ///   rows 0-1: max(0,1,1,2)=2  max(1,1,1,1)=1  max(1,1,1,2)=2  max(0,0,1,0)=1
    ///   rows 2-3: max(1,1,1,1)=1  0               max(0,1,0,1)=1  max(1,0,1,0)=1
    ///   rows 4-5: max(1,1,1,2)=2  max(0,0,1,1)=1  max(0,1,1,2)=2  max(1,0,1,0)=1
    ///   rows 6-7: max(0,1,0,0)=1  max(1,1,0,0)=1  max(1,1,0,0)=1  max(0,0,0,0)=0
    @Test func edgeMapOfASinglePixel() {
        var mask = [Float](repeating: 0, count: 64)
        mask[3 * 8 + 3] = 1
        let g = Graph(backend: backend, recording: false)
        let m = g.constant(backend.upload(mask, shape: Shape(1, 1, 8, 8)))
        let full: [Float] = [0, 1, 1, 1, 1, 1, 0, 0,
                             1, 2, 1, 1, 1, 2, 1, 0,
                             1, 1, 0, 0, 0, 1, 1, 0,
                             1, 1, 0, 0, 0, 1, 1, 0,
                             1, 1, 0, 0, 0, 1, 1, 0,
                             1, 2, 1, 1, 1, 2, 1, 0,
                             0, 1, 1, 1, 1, 1, 0, 0,
                             0, 0, 0, 0, 0, 0, 0, 0]
        #expect(backend.download(EdgeMap().fullResolution(g, mask: m).value) == full)
        let pooled = EdgeMap()(g, mask: m, cell: 2)
        #expect(pooled.shape == Shape(1, 1, 4, 4))
        #expect(backend.download(pooled.value) == [2, 1, 2, 1,
                                                   1, 0, 1, 1,
                                                   2, 1, 2, 1,
                                                   1, 1, 1, 0])
    }

    /// Two patches, logits 0 and ln 3 (D = 1/2 and 3/4), edge weights 1 and 3:
    /// (1 * ln 2 + 3 * ln(4/3)) / 4.
    @Test func edgeWeightedAdversarialLoss() {
        let g = Graph(backend: backend, recording: false)
        let logits = g.constant(backend.upload([0, Float(log(3.0))], shape: Shape(1, 1, 1, 2)))
        let edges = g.constant(backend.upload([1, 3], shape: Shape(1, 1, 1, 2)))
        let loss = backend.scalar(EdgeWeightedAdversarialLoss()(g, logits: logits, edges: edges).value)
        #expect(abs(Double(loss) - (log(2.0) + 3 * log(4.0 / 3)) / 4) < 1e-5)
    }

    /// M = [0.5, 1, 0, 0.5] on two samples of two pixels; label sizes 1 and 2.
    /// Sparsity 0.1 * mean = 0.1 * 0.5 = 0.05. Size: |1.5 - 1| / 1 = 0.5, |0.5 - 2| / 2 = 0.75,
    /// mean 0.625, times gamma 0.2 = 0.125.
    @Test func sparsityAndSizeConsistency() {
        let g = Graph(backend: backend, recording: false)
        let m = g.constant(backend.upload([0.5, 1, 0, 0.5], shape: Shape(2, 1, 1, 2)))
        #expect(abs(backend.scalar(SparsityLoss(alpha: 0.1)(g, mask: m).value) - 0.05) < 1e-7)
        let sizes = SizeConsistencyLoss.labelSizes([[0, 3], [1, 2]])
        #expect(sizes == [1, 2])
        #expect(abs(backend.scalar(SizeConsistencyLoss(gamma: 0.2)(g, mask: m, labelSizes: sizes).value) - 0.125) < 1e-7)
    }

    @Test func tumourMaskSumsTheTumourClasses() {
        let g = Graph(backend: backend, recording: false)
        // One pixel, probabilities (0.1, 0.2, 0.3, 0.4): M = 0.9.
        let p = g.constant(backend.upload([0.1, 0.2, 0.3, 0.4], shape: Shape(1, 4, 1, 1)))
        #expect(abs(backend.scalar(tumourMask(g, probabilities: p).value) - 0.9) < 1e-6)
    }

    /// w_i = 1 / (||grad L_i|| + eps), the norm over all given parameters.
    /// Parameters a = [3], b = [4]. L1 = 2 a: gradient (2, -) -> norm 2 -> w 1/2.
    /// L2 = (a^2 + b^2) / 2: gradient (3, 4) -> norm 5 -> w 1/5.
    @Test func dynamicWeightsFollowTheFormula() {
        let a = Parameter("a", backend.upload([3], shape: .scalar))
        let b = Parameter("b", backend.upload([4], shape: .scalar))
        let terms: [(Graph) -> Variable] = [
            { g in g.affine(g.parameter(a), scale: 2) },
            { g in g.affine(g.add(g.mul(g.parameter(a), g.parameter(a)), g.mul(g.parameter(b), g.parameter(b))), scale: 0.5) },
        ]
        let norms = DynamicWeights.measure(terms, over: [a, b], backend: backend)
        #expect(abs(norms[0] - 2) < 1e-6 && abs(norms[1] - 5) < 1e-6)
        let eps = 1e-3
        let w = DynamicWeights(epsilon: eps).weights(gradientNorms: norms)
        #expect(abs(w[0] - 1 / (2 + eps)) < 1e-9 && abs(w[1] - 1 / (5 + eps)) < 1e-9)
        #expect(DynamicWeights().weights(gradientNorms: [0]) == [1e8])
    }
}

@Suite struct AdversarialFeedbackTests {
    let backend = CPUBackend()

    func randomTensor(_ shape: Shape, seed: UInt64, range: ClosedRange<Double> = 0...1) -> Tensor {
        var rng = RandomSource(seed: seed)
        return backend.upload((0..<shape.count).map { _ in Float(rng.uniform(range)) }, shape: shape)
    }

    /// The feedback loss of the U-Net's current weights, with fixed edge weights.
    func loss(_ unet: UNet, _ feedback: AdversarialFeedback, image: Tensor, edges: Tensor) -> Double {
        let g = Graph(backend: backend, recording: false)
        let x = g.constant(image)
        let m = tumourMask(g, probabilities: g.softmax(unet(g, x)))
        return Double(backend.scalar(feedback.feedback(g, image: x, mask: m, edges: g.constant(edges)).loss.value))
    }

    /// Gradients reach the U-Net through the frozen generator and discriminator: the analytic
    /// directional derivative along a random direction of a U-Net weight matches central finite
    /// differences, the GAN gets no gradient, and a U-Net Adam step leaves the GAN's weights as they were.
    @Test func gradientFlowsIntoTheUNetThroughTheFrozenGAN() throws {
        let unet = UNet(UNetConfiguration(inputChannels: 4, classes: 4, widths: [4], bottleneck: 8), backend: backend, seed: 3)
        let config = GANConfiguration(imageChannels: 1, generatorWidths: [4, 8], discriminatorWidths: [4, 8])
        let gan = InpaintingGAN(config, backend: backend, seed: 11)
        let feedback = AdversarialFeedback(gan: gan, modalities: [.t1])
        let image = randomTensor(Shape(2, 4, 16, 16), seed: 1)
        let ganBefore = gan.exportWeights(backend: backend)

        let g = Graph(backend: backend)
        let out = feedback(g, image: g.constant(image), probabilities: g.softmax(unet(g, g.constant(image))))
        #expect(out.logits.shape == Shape(2, 1, 4, 4))
        #expect(backend.download(out.edges.value).contains { $0 > 0 })
        let edges = out.edges.value
        let grads = g.backward(out.loss)
        for p in gan.generator.parameters + gan.discriminator.parameters { #expect(grads[p] == nil) }
        #expect(Set(grads.parameters.map(\.parameter.name)) == Set(unet.parameters.map(\.name)))

        // Along the normalised gradient the directional derivative is ||grad||, the largest signal
        // against Float32 rounding; a wrong direction or scale would show as a smaller slope.
        for name in ["head.weight", "head.bias", "dec1.conv2.weight", "enc1.conv1.weight"] {
            let p = try #require(unet.parameters.first { $0.name == name })
            let analyticGrad = backend.download(try #require(grads[p]))
            let norm = analyticGrad.reduce(0.0) { $0 + Double($1 * $1) }.squareRoot()
            #expect(norm > 1e-4, "\(name): no gradient reached the U-Net")
            let direction = analyticGrad.map { Float(Double($0) / norm) }
            let original = p.value
            let values = backend.download(original)
            let eps: Float = 1e-3
            func shifted(_ s: Float) -> Double {
                p.value = backend.upload(zip(values, direction).map { $0 + s * $1 }, shape: original.shape)
                defer { p.value = original }
                return loss(unet, feedback, image: image, edges: edges)
            }
            let numeric = (shifted(eps) - shifted(-eps)) / Double(2 * eps)
            #expect(abs(numeric - norm) <= 0.03 * norm, "\(name): analytic \(norm), numeric \(numeric)")
        }

        let adam = Adam(parameters: unet.parameters, backend: backend)
        let unetBefore = unet.exportWeights(backend: backend)
        adam.step(grads, learningRate: 1e-2)
        #expect(unet.exportWeights(backend: backend) != unetBefore)
        #expect(gan.exportWeights(backend: backend) == ganBefore)
    }
}

@Suite struct GANPretrainerTests {
    let backend = CPUBackend()

    /// Smooth "brains": a disc with a blurred ring and a random bright spot, on a zero background.
    func normalSlices(_ count: Int, size n: Int) -> [SliceSample] {
        var rng = RandomSource(seed: 21)
        return (0..<count).map { _ in
            let (sx, sy) = (rng.uniform(6...10), rng.uniform(6...10))
            var image = [Float](repeating: 0, count: n * n)
            for y in 0..<n {
                for x in 0..<n {
                    let r = ((Double(x) - 7.5) * (Double(x) - 7.5) + (Double(y) - 7.5) * (Double(y) - 7.5)).squareRoot()
                    guard r < 7.5 else { continue }
                    let s = ((Double(x) - sx) * (Double(x) - sx) + (Double(y) - sy) * (Double(y) - sy)) / 8
                    image[y * n + x] = Float(0.3 + 0.3 * (r / 7.5) + 0.3 * Foundation.exp(-s))
                }
            }
            return SliceSample(image: image, classes: [UInt8](repeating: 0, count: n * n), height: n, width: n)
        }
    }

    func tinyOptions() -> GANTrainingOptions {
        var options = GANTrainingOptions()
        options.run.patchSize = 16
        options.run.batchSize = 4
        options.run.learningRate = 3e-3
        options.run.weightDecay = 0
        options.run.augment = false
        return options
    }

    /// The generator's L1 inpainting loss under the masks falls over a short run (discriminator
    /// updated every fifth step, as in pre-training).
    @Test func inpaintingLossFalls() {
        let config = GANConfiguration(imageChannels: 1, generatorWidths: [8, 16], discriminatorWidths: [8, 8])
        let trainer = GANPretrainer(gan: InpaintingGAN(config, backend: backend, seed: 2), backend: backend,
                                    options: tinyOptions())
        let batches = trainer.validationBatches(normalSlices(8, size: 16))
        let before = trainer.validate(batches).reconstruction
        for step in 0..<40 {
            let b = batches[step % batches.count]
            if step % 5 == 0 { trainer.discriminatorStep(images: b.images, masks: b.masks, learningRate: 3e-3) }
            trainer.generatorStep(images: b.images, masks: b.masks, learningRate: 3e-3)
        }
        let after = trainer.validate(batches).reconstruction
        #expect(after < 0.6 * before, "hole L1 \(before) -> \(after)")
        #expect(trainer.discriminatorOptimizer.stepCount == 8 && trainer.generatorOptimizer.stepCount == 40)
    }

    /// The validation's discriminator diagnostics can tell a learning discriminator from one at
    /// chance: against an untrained generator's fills, discriminator updates alone take its
    /// held-out loss below ln 2 and its AUROC (real above completed, on cells that see a hole) near 1.
    @Test func discriminatorDiagnosticsSeeItLearn() {
        let config = GANConfiguration(imageChannels: 1, generatorWidths: [8, 16], discriminatorWidths: [8, 8])
        let trainer = GANPretrainer(gan: InpaintingGAN(config, backend: backend, seed: 2), backend: backend,
                                    options: tinyOptions())
        let batches = trainer.validationBatches(normalSlices(8, size: 16))
        for step in 0..<30 {
            let b = batches[step % batches.count]
            trainer.discriminatorStep(images: b.images, masks: b.masks, learningRate: 3e-3)
        }
        let after = trainer.validate(batches)
        // Cells away from every hole see the same pixels in both and stay at chance, so the mean
        // loss falls only part of the way.
        #expect(after.discriminatorLoss < log(2.0) - 0.05, "D loss \(after.discriminatorLoss)")
        #expect((after.discriminatorAUROC ?? 0) > 0.95, "AUROC \(String(describing: after.discriminatorAUROC))")
    }

    /// By hand: a 4 x 4 mask with one occluded pixel (row 3, column 0) over a 2 x 2 cell grid
    /// touches only cell (1, 0); a second sample without a hole touches none.
    @Test func cellsThatSeeAHole() {
        var mask = [Float](repeating: 0, count: 2 * 16)
        mask[3 * 4 + 0] = 1
        let sees = GANPretrainer.cellsSeeingHoles(mask, masks: Shape(2, 1, 4, 4), cells: Shape(2, 1, 2, 2))
        #expect(sees == [false, false, true, false, false, false, false, false])
    }

    /// Two epochs, a checkpoint, and a resumed trainer with the same weights, steps and history.
    @Test func checkpointResumes() throws {
        let config = GANConfiguration(imageChannels: 1, generatorWidths: [4, 8], discriminatorWidths: [4, 8])
        var options = tinyOptions()
        options.run.epochs = 2
        let slices = normalSlices(6, size: 16)
        let trainer = GANPretrainer(gan: InpaintingGAN(config, backend: backend, seed: 2), backend: backend, options: options)
        var improvements: [Bool] = []
        trainer.train(Array(slices[0..<4]), validation: Array(slices[4...]), onEpoch: { _, improved in improvements.append(improved) })
        #expect(trainer.history.count == 2 && improvements.first == true)
        #expect(trainer.history.allSatisfy { $0.validationReconstruction != nil })
        #expect(trainer.history[0].discriminatorLoss?.isFinite == true && trainer.history[1].discriminatorLoss == nil)
        #expect(trainer.discriminatorOptimizer.stepCount == 1)   // 2 steps: the discriminator at step 0

        let path = FileManager.default.temporaryDirectory.path + "/gan-ckpt-\(UInt64.random(in: 0...UInt64.max)).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try GANCheckpoint(path: path).save(trainer)
        let resumed = GANPretrainer(gan: InpaintingGAN(config, backend: backend, seed: 9), backend: backend, options: options)
        try GANCheckpoint(path: path).restore(into: resumed)
        #expect(resumed.gan.exportWeights(backend: backend) == trainer.gan.exportWeights(backend: backend))
        #expect(resumed.completedEpochs == 2 && resumed.history == trainer.history)
        #expect(resumed.generatorOptimizer.stepCount == 2 && resumed.discriminatorOptimizer.stepCount == 1)
        let p = resumed.gan.generator.parameters[0]
        #expect(resumed.generatorOptimizer.moments(of: p).map { backend.download($0.m) }
                == trainer.generatorOptimizer.moments(of: trainer.gan.generator.parameters[0]).map { backend.download($0.m) })
    }

    @Test func earlyStoppingCountsEpochsWithoutImprovement() {
        var options = tinyOptions()
        options.patience = 2
        let trainer = GANPretrainer(gan: InpaintingGAN(GANConfiguration(generatorWidths: [4, 8], discriminatorWidths: [4]),
                                                       backend: backend), backend: backend, options: options)
        func report(_ epoch: Int, _ v: Double) -> GANEpochReport {
            GANEpochReport(epoch: epoch, generatorLoss: 0, adversarial: 0, reconstruction: 1, discriminatorLoss: 0,
                           learningRate: 0, seconds: 0, validationReconstruction: v)
        }
        trainer.restore(completedEpochs: 3, history: [report(1, 0.5), report(2, 0.4), report(3, 0.45)])
        #expect(trainer.epochsWithoutImprovement == 1 && !trainer.stoppedEarly)
        trainer.restore(completedEpochs: 4, history: [report(1, 0.5), report(2, 0.4), report(3, 0.45), report(4, 0.41)])
        #expect(trainer.stoppedEarly)
    }

    /// Selected by the map's AUROC: 0.6, 0.8, 0.7 keeps epoch 2 (one epoch without improvement); an
    /// epoch without a map AUROC is never the best, whatever its L1.
    @Test func selectionByTheMapsAUROC() {
        var options = tinyOptions()
        options.selection = .mapAUROC
        options.patience = 2
        let trainer = GANPretrainer(gan: InpaintingGAN(GANConfiguration(generatorWidths: [4, 8], discriminatorWidths: [4]),
                                                       backend: backend), backend: backend, options: options)
        func report(_ epoch: Int, _ auroc: Double?) -> GANEpochReport {
            var r = GANEpochReport(epoch: epoch, generatorLoss: 0, adversarial: 0, reconstruction: 1, discriminatorLoss: 0,
                                   learningRate: 0, seconds: 0, validationReconstruction: 0.1 / Double(epoch))
            r.validationMapAUROC = auroc
            return r
        }
        trainer.restore(completedEpochs: 3, history: [report(1, 0.6), report(2, 0.8), report(3, 0.7)])
        #expect(trainer.best == -0.8 && trainer.epochsWithoutImprovement == 1)
        #expect(report(4, nil).criterion(.mapAUROC) == .infinity && report(4, nil).criterion(.reconstruction) == 0.025)
    }

    /// A discriminator whose head has zero weights says the same for every cell, so the map is
    /// constant and its AUROC is 1/2 (ties count half) on a study with a tumour label; a study
    /// without labels is not measured.
    @Test func mapAUROCOfAConstantDiscriminator() throws {
        let dims = [20, 18, 6]
        var image = [Float](repeating: 0, count: dims.reduce(1, *))
        var labels = [UInt8](repeating: 0, count: image.count)
        for z in 1..<5 { for y in 3..<15 { for x in 4..<16 { image[x + 20 * (y + 18 * z)] = Float(100 + x + y + z) } } }
        for z in 2..<4 { for y in 6..<9 { for x in 6..<9 { labels[x + 20 * (y + 18 * z)] = 2 } } }
        let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, 0, 0])
        let labelled = try Preprocessor().prepare(id: "box", geometry: geometry, images: Array(repeating: image, count: 4), labels: labels)
        let unlabelled = try Preprocessor().prepare(id: "box", geometry: geometry, images: Array(repeating: image, count: 4), labels: nil)
        let gan = InpaintingGAN(GANConfiguration(imageChannels: 1, generatorWidths: [4, 8], discriminatorWidths: [4, 8]),
                                backend: backend, seed: 5)
        let weights = gan.discriminator.exportWeights(backend: backend).map { t in
            t.name.hasPrefix("head.") ? NamedTensor(name: t.name, shape: t.shape, values: t.values.map { _ in 0 }) : t
        }
        try gan.discriminator.loadWeights(SafeTensors.Contents(tensors: weights, metadata: [:], sha256: ""), path: "constant", backend: backend)
        var options = tinyOptions()
        options.run.batchSize = 2
        let trainer = GANPretrainer(gan: gan, backend: backend, options: options)
        #expect(trainer.mapAUROC([labelled, unlabelled]) == 0.5)
        #expect(trainer.mapAUROC([unlabelled]) == nil)
    }

    @Test func occlusionMasksAreNonEmptyAndDeterministic() {
        var a = RandomSource(seed: 4), b = RandomSource(seed: 4)
        let image = [Float](repeating: 1, count: 32 * 32)
        let m1 = OcclusionMasks().make(height: 32, width: 32, image: image, using: &a)
        let m2 = OcclusionMasks().make(height: 32, width: 32, image: image, using: &b)
        #expect(m1 == m2)
        let covered = m1.reduce(0, +)
        #expect(covered > 0 && covered < 32 * 32)
    }

    /// Brain only in two corners: shapes centred there reach past the patch's edges (a blob's
    /// discs can lie wholly outside it), which once trapped on an empty pixel range.
    @Test func occlusionMasksClipShapesAtThePatchEdges() {
        let n = 128
        var image = [Float](repeating: 0, count: n * n)
        for y in 0..<8 { for x in 0..<8 { image[y * n + x] = 1; image[(n - 1 - y) * n + n - 1 - x] = 1 } }
        var rng = RandomSource(seed: 9)
        for _ in 0..<500 {
            let mask = OcclusionMasks().make(height: n, width: n, image: image, using: &rng)
            #expect(mask.allSatisfy { $0 == 0 || $0 == 1 })
        }
    }
}

@Suite struct JointTrainingTests {
    let backend = CPUBackend()

    /// 16x16 four-channel slices with a tumour disc (classes 1-3) on a brain disc.
    func tumourSlices(_ count: Int) -> [SliceSample] {
        var rng = RandomSource(seed: 5)
        let n = 16
        return (0..<count).map { _ in
            let (cx, cy) = (rng.uniform(6...10), rng.uniform(6...10))
            var image = [Float](repeating: 0, count: 4 * n * n)
            var classes = [UInt8](repeating: 0, count: n * n)
            for y in 0..<n {
                for x in 0..<n {
                    let brain = ((Double(x) - 7.5) * (Double(x) - 7.5) + (Double(y) - 7.5) * (Double(y) - 7.5)).squareRoot()
                    guard brain < 7.5 else { continue }
                    let r = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot()
                    let c: UInt8 = r < 1.2 ? 1 : r < 2.2 ? 3 : r < 3.2 ? 2 : 0
                    classes[y * n + x] = c
                    for ch in 0..<4 { image[ch * n * n + y * n + x] = 0.3 + 0.15 * Float(c) * Float(ch + 1) / 4 }
                }
            }
            return SliceSample(image: image, classes: classes, height: n, width: n)
        }
    }

    func options() -> TrainingOptions {
        var options = TrainingOptions()
        options.run.epochs = 2
        options.phaseOneEpochs = 1
        options.run.batchSize = 2
        options.run.patchSize = 16
        options.run.samplesPerEpoch = 4
        options.run.augment = false
        options.run.learningRate = 1e-3
        return options
    }

    func tinyGAN() -> InpaintingGAN {
        InpaintingGAN(GANConfiguration(imageChannels: 1, generatorWidths: [4, 8], discriminatorWidths: [4, 8]),
                      backend: backend, seed: 7)
    }

    func tinyUNet() -> UNet {
        UNet(UNetConfiguration(inputChannels: 4, classes: 4, widths: [4], bottleneck: 8), backend: backend, seed: 3)
    }

    /// Phase 1 (epoch 1) is segmentation only; phase 2 (epoch 2) takes joint steps with finite
    /// positive dynamic weights, reported per epoch; the U-Net changes and the GAN stays bit for bit.
    @Test func phaseTwoStepsLeaveTheGANUntouched() throws {
        let gan = tinyGAN()
        let ganBefore = gan.exportWeights(backend: backend)
        let unet = tinyUNet()
        let trainer = Trainer(network: unet, backend: backend, options: options(),
                              feedback: AdversarialFeedback(gan: gan, channels: [0]))
        #expect(!trainer.isPhaseTwo(epoch: 0) && trainer.isPhaseTwo(epoch: 1))
        var reports: [EpochReport] = []
        let unetBefore = unet.exportWeights(backend: backend)
        trainer.train(TrainingSet(samples: tumourSlices(4)), validation: [], onEpoch: { reports.append($0) })
        #expect(reports.count == 2 && trainer.jointSteps == 2 && trainer.optimizer.stepCount == 4)
        #expect(reports[0].terms == nil && reports[0].dynamicWeights == nil && reports[0].weightedLoss == nil)
        let terms = try #require(reports[1].terms)
        let weights = try #require(reports[1].dynamicWeights)
        #expect(terms.values.allSatisfy { $0.isFinite && $0 >= 0 } && terms.adversarial > 0 && terms.sparsity > 0)
        #expect(weights.values.allSatisfy { $0.isFinite && $0 > 0 }, "\(weights)")
        #expect(reports[1].weightedLoss?.isFinite == true)
        #expect(unet.exportWeights(backend: backend) != unetBefore)
        let ganAfter = gan.exportWeights(backend: backend)
        #expect(ganAfter.map(\.name) == ganBefore.map(\.name))
        for (a, b) in zip(ganAfter, ganBefore) {
            #expect(a.values.map(\.bitPattern) == b.values.map(\.bitPattern), "\(a.name) changed")
        }

        // The report round-trips through JSON, and a report written before joint training decodes.
        let data = try JSONEncoder().encode(reports[1])
        let decoded = try JSONDecoder().decode(EpochReport.self, from: data)
        #expect(decoded.terms == terms && decoded.dynamicWeights == weights)
        let old = #"{"epoch":1,"loss":1,"crossEntropy":0.5,"dice":0.5,"learningRate":0.001,"seconds":2}"#
        let legacy = try JSONDecoder().decode(EpochReport.self, from: Data(old.utf8))
        #expect(legacy.terms == nil && legacy.dynamicWeights == nil && legacy.weightedLoss == nil)
    }

    /// Without a refresh the last measured weights are reused; a refresh measures them again.
    /// The dynamic weights are 1 / (norm + eps) of each term's own gradient (checked against
    /// `DynamicWeights.measure` for the sparsity term).
    @Test func weightsAreReusedBetweenRefreshes() {
        let unet = tinyUNet()
        let trainer = Trainer(network: unet, backend: backend, options: options(),
                              feedback: AdversarialFeedback(gan: tinyGAN(), channels: [0]))
        let batch = Array(tumourSlices(2))
        // Expected sparsity weight at the current U-Net weights.
        let image = backend.upload(batch.flatMap(\.image), shape: Shape(2, 4, 16, 16))
        let norm = DynamicWeights.measure([{ g in
            SparsityLoss(alpha: 0.1)(g, mask: tumourMask(g, probabilities: g.softmax(unet(g, g.constant(image)))))
        }], over: unet.parameters, backend: backend)[0]
        let first = trainer.jointStep(batch, learningRate: 1e-2)
        #expect(abs(first.weights.sparsity - 1 / (norm + 1e-8)) <= 1e-3 * first.weights.sparsity)
        let reused = trainer.jointStep(batch, learningRate: 1e-2, refreshWeights: false)
        #expect(reused.weights == first.weights)
        let refreshed = trainer.jointStep(batch, learningRate: 1e-2, refreshWeights: true)
        #expect(refreshed.weights != first.weights)
    }
}

/// Normal tissue from studies with a tumour: what is excluded and how patches avoid it.
@Suite struct NormalTissueTests {
    /// A 12 x 10 x 8 study, brain everywhere inside a 1-voxel border, 1 mm voxels, one tumour voxel.
    /// With a 2 mm margin exactly the voxels within 2 mm of it (in 3-D: on its slice and the two
    /// either side) are excluded, and every slice keeps the rest.
    @Test func tissueNearTheTumourIsExcluded() throws {
        let dims = [12, 10, 8]
        let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 1], origin: [0, 0, 0])
        var image = [Float](repeating: 0, count: 12 * 10 * 8)
        for z in 1..<7 { for y in 1..<9 { for x in 1..<11 { image[x + 12 * (y + 10 * z)] = Float(1 + (x + y + z) % 5) } } }
        var labels = [UInt8](repeating: 0, count: image.count)
        labels[5 + 12 * (5 + 10 * 3)] = 2
        let study = try Preprocessor().prepare(id: "t", geometry: geometry, images: [[Float]](repeating: image, count: 4),
                                               labels: labels)
        let slices = NormalSlices.make(from: study, channels: [0], exclusionMargin: 2)
        let (w, h) = (study.width, study.height)
        #expect(slices.count == study.brainSlices.count, "every slice keeps enough normal brain")
        // The tumour voxel in window coordinates.
        // The tumour voxel in window coordinates (the window is in BraTS voxel order, padded).
        let t = try #require(study.labels?.firstIndex(of: 2))
        let (tx, ty, tz) = (t % w, (t / w) % h, t / (w * h))
        for (sample, z) in zip(slices, study.brainSlices) {
            for y in 0..<h {
                for x in 0..<w {
                    let (dx, dy, dz) = (x - tx, y - ty, z - tz)
                    let near: UInt8 = dx * dx + dy * dy + dz * dz <= 4 ? 1 : 0
                    #expect(sample.classes[y * w + x] == near, "(\(x), \(y), \(z))")
                }
            }
        }
        // A study without labels is normal throughout.
        let normal = try Preprocessor().prepare(id: "n", geometry: geometry, images: [[Float]](repeating: image, count: 4), labels: nil)
        #expect(NormalSlices.make(from: normal, channels: [0]).allSatisfy { !$0.classes.contains(1) })
    }

    /// Crops avoid excluded pixels when they can; when every crop holds some (here the whole slice
    /// is excluded), the excluded pixels are blanked, so no tumour reaches the GAN as normal tissue.
    @Test func patchesHoldNoExcludedTissue() {
        let n = 32
        let image = (0..<n * n).map { Float(1 + $0 % 7) / 8 }
        var augmenter = Augmenter(patchSize: 8)
        augmenter.tumourCentredShare = 0
        var rng = RandomSource(seed: 4)
        let leftExcluded = SliceSample(image: image, classes: (0..<n * n).map { $0 % n < n / 2 ? 1 : 0 }, height: n, width: n)
        for _ in 0..<20 {
            let patch = GANPretrainer.normalPatch(from: leftExcluded, augmenter: augmenter, rng: &rng)
            #expect(!patch.classes.contains(1))
            #expect(patch.image.contains { $0 != 0 })
        }
        let allExcluded = SliceSample(image: image, classes: [UInt8](repeating: 1, count: n * n), height: n, width: n)
        let patch = GANPretrainer.normalPatch(from: allExcluded, augmenter: augmenter, rng: &rng)
        #expect(patch.image.allSatisfy { $0 == 0 })
    }
}

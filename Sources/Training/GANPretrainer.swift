import Compute
import FoundationEssentials
import Glibc
import Metrics
import Networks
import Pipeline
import Platform
import Randomness

/// Settings of the GAN's pre-training on normal brains.
public struct GANTrainingOptions: Codable, Equatable, Sendable {
    /// Epochs, batches, rate (both networks; Adam and weight decay as the U-Net), patches, split, seed.
    public var run = RunSettings(learningRate: 1e-4)
    /// The discriminator is updated once per this many generator updates (the paper's 5).
    public var discriminatorInterval = 5
    /// The discriminator's learning rate is the generator's times this (the two time-scale update
    /// rule, Heusel et al. 2017, lets a discriminator that lags behind catch up).
    public var discriminatorRateScale: Float = 1
    /// Weight of the L1 reconstruction against the adversarial term (pix2pix's 100).
    public var reconstructionWeight: Float = 100
    /// What picks the kept epoch and stops the run early.
    public var selection = GANSelection.reconstruction
    /// Stop after this many epochs without a better selection criterion.
    public var patience = 5
    /// Modalities the GAN sees (the paper: T1 only).
    public var modalities: [Modality] = [.t1]

    public init() {}
}

/// What picks a pre-training run's best epoch.
public enum GANSelection: String, Codable, CaseIterable, Sendable {
    /// The lowest generator L1 under the mask on the held-out patches.
    case reconstruction = "validation-l1"
    /// The highest voxel AUROC of the discriminator's anomaly map on studies with reference labels,
    /// which is what the map is for; the L1 says nothing about it.
    case mapAUROC = "map-auroc"
}

/// What one pre-training epoch did (means over its steps).
public struct GANEpochReport: Codable, Sendable, Equatable {
    public var epoch: Int
    /// Generator: `adversarial + reconstructionWeight * reconstruction`.
    public var generatorLoss: Double
    /// `-log D(completed)`, mean over patches.
    public var adversarial: Double
    /// L1 in the hole plus L1 outside it (each a mean).
    public var reconstruction: Double
    /// `(-log D(real) - log(1 - D(completed))) / 2`, mean over the discriminator's updates (nil
    /// when the epoch had none).
    public var discriminatorLoss: Double?
    public var learningRate: Float
    public var seconds: Double
    /// Mean L1 under the mask on the fixed validation patches and masks (the early-stopping criterion).
    public var validationReconstruction: Double?
    /// The discriminator's loss on the validation patches (real 1, completed 0): ln 2 (0.693) is chance.
    public var validationDiscriminatorLoss: Double? = nil
    /// How well the discriminator tells real from completed on the validation patches (AUROC over
    /// its cells that see part of a hole): 0.5 is chance.
    public var validationAUROC: Double? = nil
    /// The voxel AUROC of the discriminator's anomaly map, whole tumour against normal brain, mean
    /// over the map-validation studies (`GANPretrainer.mapAUROC`).
    public var validationMapAUROC: Double? = nil

    /// What epoch selection and early stopping compare, lower is better: the validation L1 (the
    /// training L1 without validation), or the negated map AUROC (never best without one).
    public func criterion(_ selection: GANSelection) -> Double {
        switch selection {
        case .reconstruction: validationReconstruction ?? reconstruction
        case .mapAUROC: validationMapAUROC.map { -$0 } ?? .infinity
        }
    }
}

/// What the held-out patches say after an epoch (see `GANPretrainer.validate`).
public struct GANValidation: Sendable, Equatable {
    /// Mean L1 under the mask (the early-stopping criterion).
    public var reconstruction: Double
    /// The discriminator's loss, real 1 and completed 0: ln 2 is chance.
    public var discriminatorLoss: Double
    /// AUROC of the discriminator's verdicts, real above completed, on cells that see a hole; nil
    /// when no cell does.
    public var discriminatorAUROC: Double?
}

/// The generator's reconstruction loss: mean L1 under the mask plus mean L1 outside it,
/// `sum(M |G - x|) / (C sum M) + sum((1 - M) |G - x|) / (C sum (1 - M))`.
public struct InpaintingReconstructionLoss: Sendable {
    public init() {}

    public struct Terms {
        public var total: Variable
        /// Mean L1 under the mask (what validation reports).
        public var hole: Variable
    }

    public func callAsFunction(_ g: Graph, inpainted: Variable, target: Variable, mask: Variable) -> Terms {
        let c = Float(target.shape.c)
        let error = g.abs(g.sub(inpainted, target))
        let keep = g.affine(mask, scale: -1, shift: 1)
        func masked(_ m: Variable) -> Variable {
            g.div(g.sum(g.mul(error, m)), g.affine(g.sum(m), scale: c, shift: 1e-6))
        }
        let hole = masked(mask)
        return Terms(total: g.add(hole, masked(keep)), hole: hole)
    }
}

/// Pre-trains GANet-Seg's inpainting GAN on normal brains: random occlusion masks, the generator
/// inpaints, the conditional PatchGAN discriminator tells completed from real images. Generator loss:
/// `-log D(occluded, completed) + lambda * L1`; discriminator loss: BCE on real (1) and completed (0),
/// updated once per `discriminatorInterval` generator updates. Adam with weight decay and polynomial
/// decay for both; early stopping on the validation reconstruction loss.
public final class GANPretrainer {
    public let gan: InpaintingGAN
    public let backend: any Backend
    public let options: GANTrainingOptions
    public let generatorOptimizer: Adam
    public let discriminatorOptimizer: Adam
    public private(set) var completedEpochs = 0
    public private(set) var history: [GANEpochReport] = []
    public var masks = OcclusionMasks()

    public init(gan: InpaintingGAN, backend: any Backend, options: GANTrainingOptions) {
        precondition(options.run.patchSize % gan.configuration.sizeMultiple == 0,
                     "patch size must be a multiple of \(gan.configuration.sizeMultiple)")
        precondition(options.modalities.count == gan.configuration.imageChannels, "one GAN channel per modality")
        self.gan = gan
        self.backend = backend
        self.options = options
        generatorOptimizer = Adam(parameters: gan.generator.parameters, backend: backend, weightDecay: options.run.weightDecay)
        discriminatorOptimizer = Adam(parameters: gan.discriminator.parameters, backend: backend,
                                      weightDecay: options.run.weightDecay)
    }

    /// The best criterion so far (lower is better) and the epochs since it.
    public var best: Double? { history.map { $0.criterion(options.selection) }.min() }
    public var epochsWithoutImprovement: Int {
        guard let best, let at = history.lastIndex(where: { $0.criterion(options.selection) == best }) else { return 0 }
        return history.count - 1 - at
    }
    /// Whether early stopping ends the run.
    public var stoppedEarly: Bool { epochsWithoutImprovement >= options.patience }

    // MARK: Steps

    public struct GeneratorLosses {
        public var total: Double
        public var adversarial: Double
        public var reconstruction: Double
    }

    /// The images and masks as graph constants, the occluded images, the generator's inpainting
    /// and the completed images (occluded outside the mask, inpainted inside).
    private func inpaint(_ g: Graph, images: Tensor, masks: Tensor)
        -> (x: Variable, m: Variable, occluded: Variable, inpainted: Variable, completed: Variable) {
        let (x, m) = (g.constant(images), g.constant(masks))
        let occluded = InpaintingGAN.occlude(g, image: x, mask: m)
        let inpainted = gan.generator(g, occluded: occluded, mask: m)
        return (x, m, occluded, inpainted, InpaintingGAN.complete(g, occluded: occluded, mask: m, inpainted: inpainted))
    }

    /// One generator update on `images` `[N, C, P, P]` with occlusion `masks` `[N, 1, P, P]`; the
    /// discriminator is frozen for it.
    @discardableResult
    public func generatorStep(images: Tensor, masks: Tensor, learningRate: Float) -> GeneratorLosses {
        let g = Graph(backend: backend)
        g.freeze(gan.discriminator)
        let (x, m, occluded, inpainted, completed) = inpaint(g, images: images, masks: masks)
        let logits = gan.discriminator.logits(g, occluded: occluded, candidate: completed)
        let adversarial = g.mean(g.softplus(g.affine(logits, scale: -1)))
        let reconstruction = InpaintingReconstructionLoss()(g, inpainted: inpainted, target: x, mask: m).total
        let total = g.add(adversarial, g.affine(reconstruction, scale: options.reconstructionWeight))
        generatorOptimizer.step(g.backward(total), learningRate: learningRate)
        return GeneratorLosses(total: Double(backend.scalar(total.value)),
                               adversarial: Double(backend.scalar(adversarial.value)),
                               reconstruction: Double(backend.scalar(reconstruction.value)))
    }

    /// One discriminator update: real images score 1, completed ones (frozen generator) 0.
    @discardableResult
    public func discriminatorStep(images: Tensor, masks: Tensor, learningRate: Float) -> Double {
        let g = Graph(backend: backend)
        g.freeze(gan.generator)
        let (x, _, occluded, _, completed) = inpaint(g, images: images, masks: masks)
        let real = gan.discriminator.logits(g, occluded: occluded, candidate: x)
        let fake = gan.discriminator.logits(g, occluded: occluded, candidate: completed)
        let loss = discriminatorLoss(g, real: real, completed: fake)
        discriminatorOptimizer.step(g.backward(loss), learningRate: learningRate)
        return Double(backend.scalar(loss.value))
    }

    /// The discriminator's loss on logits of real (target 1) and completed (target 0) images:
    /// BCE(real, 1) = softplus(-z), BCE(completed, 0) = -log(1 - sigmoid(z)) = softplus(z), averaged.
    private func discriminatorLoss(_ g: Graph, real: Variable, completed: Variable) -> Variable {
        g.affine(g.add(g.mean(g.softplus(g.affine(real, scale: -1))), g.mean(g.softplus(completed))), scale: 0.5)
    }

    /// What fixed held-out batches say (no training): the generator's mean L1 under the mask, and
    /// whether the discriminator tells real patches from completed ones, by its loss and by the
    /// AUROC of its verdicts on the cells that see part of a hole (elsewhere real and completed are
    /// the same pixels).
    public func validate(_ batches: [(images: Tensor, masks: Tensor)]) -> GANValidation {
        var (reconstruction, discrimination) = (0.0, 0.0)
        var (real, completed) = ([Double](), [Double]())
        for batch in batches {
            let g = Graph(backend: backend, recording: false)
            let (x, m, occluded, inpainted, filled) = inpaint(g, images: batch.images, masks: batch.masks)
            reconstruction += Double(backend.scalar(InpaintingReconstructionLoss()(g, inpainted: inpainted, target: x, mask: m).hole.value))
            let realLogits = gan.discriminator.logits(g, occluded: occluded, candidate: x)
            let fakeLogits = gan.discriminator.logits(g, occluded: occluded, candidate: filled)
            discrimination += Double(backend.scalar(discriminatorLoss(g, real: realLogits, completed: fakeLogits).value))
            let seesHole = Self.cellsSeeingHoles(backend.download(batch.masks), masks: batch.masks.shape, cells: realLogits.shape)
            let (r, f) = (backend.download(realLogits.value), backend.download(fakeLogits.value))
            for i in seesHole.indices where seesHole[i] {
                real.append(Double(r[i]))
                completed.append(Double(f[i]))
            }
        }
        let n = Double(max(batches.count, 1))
        return GANValidation(reconstruction: batches.isEmpty ? .nan : reconstruction / n,
                             discriminatorLoss: batches.isEmpty ? .nan : discrimination / n,
                             discriminatorAUROC: areaUnderROC(positives: real, negatives: completed))
    }

    /// The voxel AUROC of the discriminator's anomaly map (the paper's 1 - D(x, x), as `segment --gan`
    /// makes it) for "inside the reference's whole tumour" against "normal brain", mean over the
    /// `studies` that carry labels; nil when none does.
    public func mapAUROC(_ studies: [PreprocessedStudy]) -> Double? {
        let mapper = AnomalyMapper(model: GANModel(gan: gan, backend: backend, modalities: options.modalities),
                                   method: .discriminator, batchSize: options.run.batchSize)
        let values = studies.compactMap { study -> Double? in
            guard let labels = study.labels else { return nil }
            let map = mapper.map(study)
            var (tumour, normal) = ([Double](), [Double]())
            for i in map.indices where study.brainMask[i] {
                if labels[i] != 0 { tumour.append(Double(map[i])) } else { normal.append(Double(map[i])) }
            }
            return areaUnderROC(positives: tumour, negatives: normal)
        }
        return values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }

    /// For each discriminator cell (`cells`: `[N, 1, rows, cols]`), whether its share of the patch
    /// (`masks`: `[N, 1, P, P]`, the grid split evenly) holds any occluded pixel.
    static func cellsSeeingHoles(_ mask: [Float], masks: Shape, cells: Shape) -> [Bool] {
        let (size, rows, cols) = (masks.h, cells.h, cells.w)
        var sees = [Bool](repeating: false, count: cells.n * rows * cols)
        for n in 0..<cells.n {
            for y in 0..<size {
                for x in 0..<masks.w where mask[(n * size + y) * masks.w + x] > 0 {
                    sees[(n * rows + y * rows / size) * cols + x * cols / masks.w] = true
                }
            }
        }
        return sees
    }

    // MARK: Data

    /// Patches and masks for a batch: augmented crops around brain pixels, random occlusions.
    func batch(_ samples: [SliceSample], augmenter: Augmenter, rng: inout RandomSource) -> (images: Tensor, masks: Tensor) {
        let p = options.run.patchSize
        var images: [Float] = [], maskValues: [Float] = []
        for s in samples {
            let patch = Self.normalPatch(from: s, augmenter: augmenter, rng: &rng)
            images += patch.image
            maskValues += masks.make(height: p, width: p, image: patch.image, using: &rng)
        }
        let c = samples[0].channels
        return (backend.upload(images, shape: Shape(samples.count, c, p, p)),
                backend.upload(maskValues, shape: Shape(samples.count, 1, p, p)))
    }

    /// A crop of `sample` that holds no excluded tissue (class 1, see `NormalSlices`): the first of
    /// `attempts` augmented crops without any, else the last with its excluded pixels set to 0
    /// (background), so that tumour never reaches the GAN as normal tissue.
    static func normalPatch(from sample: SliceSample, augmenter: Augmenter, attempts: Int = 16,
                            rng: inout RandomSource) -> SliceSample {
        var patch = augmenter.patch(from: sample, using: &rng)
        guard sample.classes.contains(where: { $0 != 0 }) else { return patch }
        for _ in 1..<attempts where patch.classes.contains(where: { $0 != 0 }) {
            patch = augmenter.patch(from: sample, using: &rng)
        }
        let plane = patch.height * patch.width
        for i in 0..<plane where patch.classes[i] != 0 {
            for c in 0..<patch.channels { patch.image[c * plane + i] = 0 }
        }
        return patch
    }

    /// Fixed validation batches: plain crops and masks from a seed of their own, the same every epoch.
    public func validationBatches(_ samples: [SliceSample]) -> [(images: Tensor, masks: Tensor)] {
        guard !samples.isEmpty else { return [] }
        var augmenter = Augmenter(patchSize: options.run.patchSize)
        augmenter.enabled = false
        augmenter.tumourCentredShare = 0
        var rng = RandomSource(seed: options.run.seed &+ 0x5EED)
        return stride(from: 0, to: samples.count, by: options.run.batchSize).map { start in
            batch(Array(samples[start..<min(start + options.run.batchSize, samples.count)]), augmenter: augmenter, rng: &rng)
        }
    }

    // MARK: Training

    /// Steps per epoch for `samples` training slices.
    public func stepsPerEpoch(samples: Int) -> Int {
        max(1, (options.run.samplesPerEpoch > 0 ? options.run.samplesPerEpoch : samples) / options.run.batchSize)
    }

    /// Runs the remaining epochs, or until early stopping. `onStep(done, total, loss)` reports
    /// progress; `onEpoch(report, improved)` gets each epoch (write the best model when `improved`,
    /// and checkpoints). `mapValidation`: studies with reference labels for the map's AUROC.
    public func train(_ samples: [SliceSample], validation: [SliceSample], mapValidation: [PreprocessedStudy] = [],
                      onStep: (Int, Int, Double) -> Void = { _, _, _ in },
                      onEpoch: (GANEpochReport, Bool) throws -> Void = { _, _ in }) rethrows {
        precondition(!samples.isEmpty, "no normal slices to train on")
        let steps = stepsPerEpoch(samples: samples.count)
        let schedule = PolynomialDecay(initial: options.run.learningRate, totalSteps: steps * options.run.epochs,
                                       power: options.run.decayPower)
        var augmenter = Augmenter(patchSize: options.run.patchSize)
        augmenter.enabled = options.run.augment
        augmenter.tumourCentredShare = 0
        let validationSet = validationBatches(validation)
        while completedEpochs < options.run.epochs && !stoppedEarly {
            let epoch = completedEpochs
            var rng = RandomSource(seed: options.run.seed &* 1_000_003 &+ UInt64(epoch) &+ 0x6A4)
            var order = Array(samples.indices)
            order.shuffle(using: &rng)
            let stopwatch = Stopwatch()
            var sums = (0.0, 0.0, 0.0), discriminator = (0.0, 0)
            var lr: Float = 0
            for k in 0..<steps {
                let picked = (0..<options.run.batchSize).map { samples[order[(k * options.run.batchSize + $0) % order.count]] }
                let (images, masks) = batch(picked, augmenter: augmenter, rng: &rng)
                lr = schedule.rate(at: epoch * steps + k)
                if generatorOptimizer.stepCount % max(options.discriminatorInterval, 1) == 0 {
                    discriminator = (discriminator.0 + discriminatorStep(images: images, masks: masks,
                                                                                    learningRate: lr * options.discriminatorRateScale),
                                     discriminator.1 + 1)
                }
                let losses = generatorStep(images: images, masks: masks, learningRate: lr)
                sums = (sums.0 + losses.total, sums.1 + losses.adversarial, sums.2 + losses.reconstruction)
                onStep(k + 1, steps, losses.total)
            }
            let n = Double(steps)
            var report = GANEpochReport(
                epoch: epoch + 1, generatorLoss: sums.0 / n, adversarial: sums.1 / n, reconstruction: sums.2 / n,
                discriminatorLoss: discriminator.1 > 0 ? discriminator.0 / Double(discriminator.1) : nil,
                learningRate: lr, seconds: stopwatch.total,
                validationReconstruction: nil)
            if !validationSet.isEmpty {
                let validation = validate(validationSet)
                report.validationReconstruction = validation.reconstruction
                report.validationDiscriminatorLoss = validation.discriminatorLoss
                report.validationAUROC = validation.discriminatorAUROC
            }
            if !mapValidation.isEmpty { report.validationMapAUROC = mapAUROC(mapValidation) }
            let criterion = report.criterion(options.selection)
            let improved = criterion.isFinite && (best.map { criterion < $0 } ?? true)
            completedEpochs += 1
            history.append(report)
            try onEpoch(report, improved)
        }
    }

    /// Continues from a checkpoint (weights and optimiser state are loaded by `GANCheckpoint`).
    func restore(completedEpochs: Int, history: [GANEpochReport]) {
        self.completedEpochs = completedEpochs
        self.history = history
    }

}

/// Everything `pretrain-gan --resume` needs, in one F32 safetensors file: both networks
/// (`generator.*`, `discriminator.*`), both optimisers' moments (`adam.generator.m.<name>`, ...),
/// their step counts, the completed epochs and their reports.
public struct GANCheckpoint: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    private static let parts = ["generator", "discriminator"]

    private static func optimizers(_ t: GANPretrainer) -> [(String, Module, Adam)] {
        [("generator", t.gan.generator, t.generatorOptimizer), ("discriminator", t.gan.discriminator, t.discriminatorOptimizer)]
    }

    public func save(_ trainer: GANPretrainer) throws {
        let backend = trainer.backend
        var tensors = trainer.gan.exportWeights(backend: backend)
        for (part, module, optimizer) in Self.optimizers(trainer) {
            for p in module.parameters {
                guard let (m, v) = optimizer.moments(of: p) else { continue }
                tensors.append(NamedTensor(name: "adam.\(part).m.\(p.name)", shape: p.torchShape, values: backend.download(m)))
                tensors.append(NamedTensor(name: "adam.\(part).v.\(p.name)", shape: p.torchShape, values: backend.download(v)))
            }
        }
        var metadata = trainer.gan.configuration.metadata
        metadata["completed_epochs"] = "\(trainer.completedEpochs)"
        metadata["generator_steps"] = "\(trainer.generatorOptimizer.stepCount)"
        metadata["discriminator_steps"] = "\(trainer.discriminatorOptimizer.stepCount)"
        metadata["history"] = String(decoding: try JSONEncoder().encode(trainer.history), as: UTF8.self)
        metadata["options"] = String(decoding: try JSONEncoder().encode(trainer.options), as: UTF8.self)
        try SafeTensors.write(tensors, as: .f32, metadata: metadata, to: path)
    }

    public func restore(into trainer: GANPretrainer) throws {
        let contents = try SafeTensors.read(path: path)
        guard let epochs = contents.metadata["completed_epochs"].flatMap(Int.init),
              let gSteps = contents.metadata["generator_steps"].flatMap(Int.init),
              let dSteps = contents.metadata["discriminator_steps"].flatMap(Int.init),
              let historyJSON = contents.metadata["history"] else {
            throw Checkpoint.Error.incompatible(path: path, reason: "missing GAN training state")
        }
        if let saved = GANConfiguration(metadata: contents.metadata), saved != trainer.gan.configuration {
            throw Checkpoint.Error.incompatible(path: path, reason: "the checkpoint's GAN has other widths or channels")
        }
        let history = try JSONDecoder().decode([GANEpochReport].self, from: Data(historyJSON.utf8))
        try trainer.gan.loadWeights(contents, path: path, backend: trainer.backend, ignoring: ["adam."])
        for (part, module, optimizer) in Self.optimizers(trainer) {
            var moments: [(Parameter, Tensor, Tensor)] = []
            for p in module.parameters {
                guard let m = contents["adam.\(part).m.\(p.name)"], let v = contents["adam.\(part).v.\(p.name)"] else { continue }
                moments.append((p, trainer.backend.upload(m.values, shape: p.value.shape),
                                trainer.backend.upload(v.values, shape: p.value.shape)))
            }
            optimizer.restore(stepCount: part == "generator" ? gSteps : dSteps, moments: moments)
        }
        trainer.restore(completedEpochs: epochs, history: history)
    }
}

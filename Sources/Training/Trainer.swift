import Compute
import Glibc
import Networks
import Pipeline
import Platform
import Randomness

/// Dice of the BraTS regions, from class maps (0 background, 1 NCR, 2 ED, 3 ET).
public struct RegionDice: Codable, Equatable, Sendable {
    public var wt: Double
    public var tc: Double
    public var et: Double

    public var mean: Double { (wt + tc + et) / 3 }

    /// Dice over all voxels of the paired class maps; both empty counts as 1.
    public init(predicted: [UInt8], truth: [UInt8]) {
        func dice(_ inRegion: (UInt8) -> Bool) -> Double {
            var both = 0, p = 0, t = 0
            for (a, b) in zip(predicted, truth) {
                let (x, y) = (inRegion(a), inRegion(b))
                if x { p += 1 }
                if y { t += 1 }
                if x && y { both += 1 }
            }
            return p + t == 0 ? 1 : 2 * Double(both) / Double(p + t)
        }
        wt = dice { $0 != 0 }
        tc = dice { $0 == 1 || $0 == 3 }
        et = dice { $0 == 3 }
    }

    public init(wt: Double, tc: Double, et: Double) {
        self.wt = wt
        self.tc = tc
        self.et = et
    }
}

/// What one epoch did.
public struct EpochReport: Codable, Sendable {
    public var epoch: Int
    public var loss: Double
    public var crossEntropy: Double
    public var dice: Double
    public var learningRate: Float
    public var seconds: Double
    /// Mean Dice per region over the validation studies.
    public var validation: RegionDice?
    /// Phase 2 of joint training only (nil in phase 1, without a GAN, and in older checkpoints):
    /// the mean values of the four terms as the paper defines them (`loss`, `crossEntropy` and
    /// `dice` stay the segmentation loss's, comparable across phases).
    public var terms: JointTerms? = nil
    /// Phase 2: the mean dynamic weights `1 / (||grad L_i|| + eps)` (1 each without dynamic weighting;
    /// `adversarialWeight` multiplies the adversarial term on top).
    public var dynamicWeights: JointTerms? = nil
    /// Phase 2: the mean of the optimised total, `sum w_i L_i`.
    public var weightedLoss: Double? = nil
}

/// One value per term of GANet-Seg's phase-2 loss.
public struct JointTerms: Codable, Equatable, Sendable {
    /// Cross-entropy + (1 - Dice).
    public var segmentation: Double
    /// `alpha * mean |M|`.
    public var sparsity: Double
    /// `gamma * |sum M - S_label| / S_label`.
    public var sizeConsistency: Double
    /// The edge-weighted adversarial feedback.
    public var adversarial: Double

    public init(segmentation: Double, sparsity: Double, sizeConsistency: Double, adversarial: Double) {
        self.segmentation = segmentation
        self.sparsity = sparsity
        self.sizeConsistency = sizeConsistency
        self.adversarial = adversarial
    }

    init(_ values: [Double]) {
        self.init(segmentation: values[0], sparsity: values[1], sizeConsistency: values[2], adversarial: values[3])
    }

    /// In the order segmentation, sparsity, size consistency, adversarial.
    public var values: [Double] { [segmentation, sparsity, sizeConsistency, adversarial] }
}

/// Trains a U-Net with cross-entropy + Dice, Adam with weight decay and polynomial decay.
///
/// With an `AdversarialFeedback` (a frozen pre-trained GAN) it trains GANet-Seg jointly: epochs
/// before `options.phaseOneEpochs` use the segmentation loss only; later epochs minimise
/// `sum_i w_i L_i` over segmentation, sparsity, size consistency and adversarial feedback, with
/// `w_i = 1 / (||grad L_i|| + eps)` measured over the U-Net's parameters (see `DynamicWeights`),
/// re-measured every `options.weightRefreshInterval` phase-2 steps. The GAN's weights enter every
/// graph as constants: nothing updates them.
public final class Trainer {
    public let network: UNet
    public let backend: any Backend
    public let options: TrainingOptions
    public let optimizer: Adam
    /// The frozen GAN of joint training (nil: segmentation loss only, every epoch).
    public let feedback: AdversarialFeedback?
    /// Epochs already completed (after `resume`, where to continue).
    public private(set) var completedEpochs = 0
    public private(set) var history: [EpochReport] = []
    /// The last measured dynamic weights and the phase-2 steps taken (this process).
    private var currentWeights: [Double]?
    public private(set) var jointSteps = 0

    public init(network: UNet, backend: any Backend, options: TrainingOptions, feedback: AdversarialFeedback? = nil) {
        if let feedback {
            precondition(options.run.patchSize % feedback.gan.configuration.sizeMultiple == 0,
                         "patch size must be a multiple of the GAN's \(feedback.gan.configuration.sizeMultiple)")
            precondition(feedback.channels.allSatisfy { $0 < network.configuration.inputChannels },
                         "the GAN sees channels the U-Net's input does not have")
        }
        self.network = network
        self.backend = backend
        self.options = options
        self.feedback = feedback
        optimizer = Adam(parameters: network.parameters, backend: backend, weightDecay: options.run.weightDecay)
    }

    /// Whether 0-based `epoch` is in phase 2 (joint training with the GAN).
    public func isPhaseTwo(epoch: Int) -> Bool { feedback != nil && epoch >= options.phaseOneEpochs }

    /// Steps per epoch for `samples` training slices.
    func stepsPerEpoch(samples: Int) -> Int {
        let n = options.run.samplesPerEpoch > 0 ? options.run.samplesPerEpoch : samples
        return max(1, n / options.run.batchSize)
    }

    /// One optimisation step on a batch; returns (loss, cross-entropy, 1 - Dice).
    public func step(_ batch: [SliceSample], learningRate: Float) -> (Double, Double, Double) {
        let s = batch[0]
        let classes = network.configuration.classes
        let g = Graph(backend: backend)
        let x = g.constant(backend.upload(batch.flatMap(\.image), shape: Shape(batch.count, s.channels, s.height, s.width)))
        let target = g.constant(backend.upload(oneHot(batch.map(\.classes), count: classes, height: s.height, width: s.width),
                                               shape: Shape(batch.count, classes, s.height, s.width)))
        let terms = SegmentationLoss()(g, logits: network(g, x), target: target)
        let gradients = g.backward(terms.total)
        optimizer.step(gradients, learningRate: learningRate)
        return (Double(backend.scalar(terms.total.value)), Double(backend.scalar(terms.crossEntropy.value)),
                Double(backend.scalar(terms.dice.value)))
    }

    /// What one phase-2 step computed.
    public struct JointStepResult: Sendable {
        /// The segmentation loss and its parts (as `step` returns them).
        public var loss: Double
        public var crossEntropy: Double
        public var dice: Double
        public var terms: JointTerms
        /// The dynamic weights used (1 each without dynamic weighting).
        public var weights: JointTerms
        /// `sum w_i L_i`, what the step minimised (the adversarial term also times `adversarialWeight`).
        public var weightedLoss: Double
    }

    /// One phase-2 step: the four terms, their dynamic weights (re-measured when `refreshWeights` or
    /// none has been measured yet), and an Adam step on the weighted total.
    public func jointStep(_ batch: [SliceSample], learningRate: Float, refreshWeights: Bool = true) -> JointStepResult {
        guard let feedback else { preconditionFailure("joint training needs an AdversarialFeedback") }
        let s = batch[0]
        let classes = network.configuration.classes
        let image = backend.upload(batch.flatMap(\.image), shape: Shape(batch.count, s.channels, s.height, s.width))
        let target = backend.upload(oneHot(batch.map(\.classes), count: classes, height: s.height, width: s.width),
                                    shape: Shape(batch.count, classes, s.height, s.width))
        let sizes = SizeConsistencyLoss.labelSizes(batch.map(\.classes))
        let sparsity = SparsityLoss(alpha: options.sparsityAlpha)
        let size = SizeConsistencyLoss(gamma: options.sizeGamma)

        /// Term `index` (nil: all four) on `g`, with the segmentation loss's parts.
        func build(_ g: Graph, only index: Int?) -> (terms: [Variable?], segmentation: SegmentationLoss.Terms?) {
            let x = g.constant(image)
            let logits = network(g, x)
            var out: [Variable?] = [nil, nil, nil, nil]
            var segmentation: SegmentationLoss.Terms?
            if index == nil || index == 0 {
                segmentation = SegmentationLoss()(g, logits: logits, target: g.constant(target))
                out[0] = segmentation!.total
            }
            if index != 0 {
                let probabilities = g.softmax(logits)
                let mask = tumourMask(g, probabilities: probabilities)
                if index == nil || index == 1 { out[1] = sparsity(g, mask: mask) }
                if index == nil || index == 2 { out[2] = size(g, mask: mask, labelSizes: sizes) }
                if index == nil || index == 3 {
                    out[3] = feedback.feedback(g, image: x, mask: mask, edges: feedback.edges(g, mask: mask)).loss
                }
            }
            return (out, segmentation)
        }

        if !options.dynamicWeighting {
            currentWeights = [1, 1, 1, 1]
        } else if refreshWeights || currentWeights == nil {
            let norms = DynamicWeights.measure((0..<4).map { i in { g in build(g, only: i).terms[i]! } },
                                               over: network.parameters, backend: backend)
            currentWeights = DynamicWeights(epsilon: options.dynamicWeightEpsilon).weights(gradientNorms: norms)
        }
        let weights = currentWeights!
        let g = Graph(backend: backend)
        let (terms, segmentation) = build(g, only: nil)
        let factors = [weights[0], weights[1], weights[2], weights[3] * Double(options.adversarialWeight)]
        let total = zip(terms, factors).map { g.affine($0!, scale: Float($1)) }.dropFirst()
            .reduce(g.affine(terms[0]!, scale: Float(factors[0]))) { g.add($0, $1) }
        optimizer.step(g.backward(total), learningRate: learningRate)
        jointSteps += 1
        func value(_ v: Variable) -> Double { Double(backend.scalar(v.value)) }
        return JointStepResult(loss: value(segmentation!.total), crossEntropy: value(segmentation!.crossEntropy),
                               dice: value(segmentation!.dice), terms: JointTerms(terms.map { value($0!) }),
                               weights: JointTerms(weights), weightedLoss: value(total))
    }

    /// Runs the remaining epochs. `onStep(done, total, loss)` reports progress inside an epoch;
    /// `onEpoch` gets each epoch's report (write checkpoints there).
    public func train(_ slices: some SliceSource, validation: [PreprocessedStudy],
                      onStep: (Int, Int, Double) -> Void = { _, _, _ in },
                      onEpoch: (EpochReport) throws -> Void = { _ in }) rethrows {
        precondition(slices.sliceCount > 0, "no training slices")
        var slices = slices
        let steps = stepsPerEpoch(samples: slices.sliceCount)
        let schedule = PolynomialDecay(initial: options.run.learningRate, totalSteps: steps * options.run.epochs,
                                       power: options.run.decayPower)
        var augmenter = Augmenter(patchSize: options.run.patchSize)
        augmenter.enabled = options.run.augment
        let surface = SurfaceEnhancement(share: options.run.augment ? options.surfaceEnhancement : 0)
        let contrast = TumourContrast(share: options.run.augment ? options.tumourContrast : 0)
        while completedEpochs < options.run.epochs {
            let epoch = completedEpochs
            var rng = RandomSource(seed: options.run.seed &* 1_000_003 &+ UInt64(epoch))
            slices.beginEpoch(using: &rng)
            let stopwatch = Stopwatch()
            var sums = (0.0, 0.0, 0.0)
            var termSums = [0.0, 0.0, 0.0, 0.0], weightSums = [0.0, 0.0, 0.0, 0.0], weightedSum = 0.0
            let phaseTwo = isPhaseTwo(epoch: epoch)
            var lr: Float = 0
            for k in 0..<steps {
                let batch = (0..<options.run.batchSize).map { _ in
                    let slice = contrast.apply(to: slices.next(using: &rng), using: &rng)
                    return augmenter.patch(from: surface.apply(to: slice, using: &rng), using: &rng)
                }
                lr = schedule.rate(at: epoch * steps + k)
                let (loss, ce, dice): (Double, Double, Double)
                if phaseTwo {
                    let r = jointStep(batch, learningRate: lr,
                                      refreshWeights: jointSteps % max(options.weightRefreshInterval, 1) == 0)
                    (loss, ce, dice) = (r.loss, r.crossEntropy, r.dice)
                    for i in 0..<4 {
                        termSums[i] += r.terms.values[i]
                        weightSums[i] += r.weights.values[i]
                    }
                    weightedSum += r.weightedLoss
                } else {
                    (loss, ce, dice) = step(batch, learningRate: lr)
                }
                sums = (sums.0 + loss, sums.1 + ce, sums.2 + dice)
                onStep(k + 1, steps, loss)
            }
            let validationDice = validation.isEmpty ? nil : validate(validation)
            let n = Double(steps)
            var report = EpochReport(epoch: epoch + 1, loss: sums.0 / n, crossEntropy: sums.1 / n,
                                     dice: sums.2 / n, learningRate: lr, seconds: stopwatch.total,
                                     validation: validationDice)
            if phaseTwo {
                report.terms = JointTerms(termSums.map { $0 / n })
                report.dynamicWeights = JointTerms(weightSums.map { $0 / n })
                report.weightedLoss = weightedSum / n
            }
            completedEpochs += 1
            history.append(report)
            try onEpoch(report)
        }
    }

    /// Mean region Dice of the current network over whole validation studies.
    public func validate(_ studies: [PreprocessedStudy]) -> RegionDice {
        let model = SegmentationModel(network: network, backend: backend, name: "training", sha256: "")
        let predictor = SlicePredictor(model: model)
        var sum = RegionDice(wt: 0, tc: 0, et: 0)
        for study in studies {
            let truth = (study.labels ?? []).map(trainingClass(ofLabel:))
            let d = RegionDice(predicted: predictor.predict(study), truth: truth)
            sum = RegionDice(wt: sum.wt + d.wt, tc: sum.tc + d.tc, et: sum.et + d.et)
        }
        let n = Double(studies.count)
        return RegionDice(wt: sum.wt / n, tc: sum.tc / n, et: sum.et / n)
    }

    /// Continues from a checkpoint's epoch count (weights and optimiser state are loaded by `Checkpoint`).
    func restore(completedEpochs: Int, history: [EpochReport]) {
        self.completedEpochs = completedEpochs
        self.history = history
    }

}

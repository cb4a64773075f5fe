import Compute
import Glibc
import Networks
import Pipeline
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
}

/// Trains a U-Net with cross-entropy + Dice, Adam with weight decay and polynomial decay.
public final class Trainer {
    public let network: UNet
    public let backend: any Backend
    public let options: TrainingOptions
    public let optimizer: Adam
    /// Epochs already completed (after `resume`, where to continue).
    public private(set) var completedEpochs = 0
    public private(set) var history: [EpochReport] = []

    public init(network: UNet, backend: any Backend, options: TrainingOptions) {
        self.network = network
        self.backend = backend
        self.options = options
        optimizer = Adam(parameters: network.parameters, backend: backend, weightDecay: options.weightDecay)
    }

    /// Steps per epoch for `samples` training slices.
    func stepsPerEpoch(samples: Int) -> Int {
        let n = options.samplesPerEpoch > 0 ? options.samplesPerEpoch : samples
        return max(1, n / options.batchSize)
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

    /// Runs the remaining epochs. `onStep(done, total, loss)` reports progress inside an epoch;
    /// `onEpoch` gets each epoch's report (write checkpoints there).
    public func train(_ set: TrainingSet, validation: [PreprocessedStudy],
                      onStep: (Int, Int, Double) -> Void = { _, _, _ in },
                      onEpoch: (EpochReport) throws -> Void = { _ in }) rethrows {
        precondition(!set.samples.isEmpty, "no training slices")
        let steps = stepsPerEpoch(samples: set.samples.count)
        let schedule = PolynomialDecay(initial: options.learningRate, totalSteps: steps * options.epochs,
                                       power: options.decayPower)
        var augmenter = Augmenter(patchSize: options.patchSize)
        augmenter.enabled = options.augment
        while completedEpochs < options.epochs {
            let epoch = completedEpochs
            var rng = RandomSource(seed: options.seed &* 1_000_003 &+ UInt64(epoch))
            var order = Array(set.samples.indices)
            order.shuffle(using: &rng)
            let start = now()
            var sums = (0.0, 0.0, 0.0)
            var lr: Float = 0
            for k in 0..<steps {
                let batch = (0..<options.batchSize).map { b in
                    augmenter.patch(from: set.samples[order[(k * options.batchSize + b) % order.count]], using: &rng)
                }
                lr = schedule.rate(at: epoch * steps + k)
                let (loss, ce, dice) = step(batch, learningRate: lr)
                sums = (sums.0 + loss, sums.1 + ce, sums.2 + dice)
                onStep(k + 1, steps, loss)
            }
            let validationDice = validation.isEmpty ? nil : validate(validation)
            let report = EpochReport(epoch: epoch + 1, loss: sums.0 / Double(steps), crossEntropy: sums.1 / Double(steps),
                                     dice: sums.2 / Double(steps), learningRate: lr, seconds: now() - start,
                                     validation: validationDice)
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

    private func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

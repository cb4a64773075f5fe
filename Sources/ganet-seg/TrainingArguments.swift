import ArgumentParser
import Devices
import Networks
import Pipeline
import Platform
import Randomness
import Training

/// The options `train` and `pretrain-gan` share: the run's length, batches, rate, patches, split,
/// seed, device and what to record in the weights file.
struct TrainingArguments: ParsableArguments {
    @Option(help: "Epochs (pretrain-gan may stop sooner: early stopping).") var epochs: Int = 30
    @Option(help: "Patches per batch.") var batchSize: Int = 8
    @Option(name: .customLong("lr"), help: "Initial learning rate (default: train 6e-5, the paper's at batch 80; pretrain-gan 1e-4).")
    var learningRate: Float?
    @Option(help: "Side of the square training patches.") var patchSize: Int = 128
    @Option(help: "Training patches drawn per epoch (0: every training slice once).") var samplesPerEpoch: Int = 0
    @Option(help: "Share of studies held out for validation.") var validationFraction: Double = 0.2
    @Option(help: "Seed of initialisation, split, sampling and augmentation.") var seed: UInt64 = 1
    @Flag(help: "Train without augmentation.") var noAugment = false
    @Option(help: "Store weights as f32 or f16.") var weightsType: WeightType = .f32
    @Option(help: "What the data is, recorded in the weights' metadata (e.g. 'synthetic phantoms').")
    var dataDescription: String = "unspecified"
    @Flag(help: "Continue from <output>.checkpoint.") var resume = false
    @Option(help: "auto, cpu, gpu, vulkan or vulkan:N (see `ganet-seg devices`).") var device: DeviceSelection = .auto

    func validate() throws {
        guard epochs >= 1, batchSize >= 1, patchSize >= 16, samplesPerEpoch >= 0, (learningRate ?? 1) > 0 else {
            throw ValidationError("--epochs and --batch-size must be >= 1, --patch-size >= 16, --samples-per-epoch >= 0, --lr > 0")
        }
        guard (0.0..<1.0).contains(validationFraction) else {
            throw ValidationError("--validation-fraction must be in 0..<1")
        }
    }

    /// A network's comma-separated widths ("64,128,256"), each positive, at least `minimum` of them.
    func widths(_ text: String, option: String, minimum: Int = 1) throws -> [Int] {
        let w = text.split(separator: ",").map { Int($0) }
        guard w.count >= minimum, w.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("\(option) must be at least \(minimum) positive integers like 64,128,256")
        }
        return w.map { $0! }
    }

    /// Training patches must tile the network's resolution levels.
    func checkPatchSize(multipleOf multiple: Int) throws {
        guard patchSize % multiple == 0 else {
            throw ValidationError("--patch-size must be a multiple of \(multiple)")
        }
    }

    /// Every study folder of `data`, loaded and made into `T`, split by `seed` into training and
    /// validation (at least one held out when there are two or more and the fraction is not 0), with a
    /// progress bar.
    func loadSplit<T>(_ data: String, _ make: (Study) throws -> T) throws -> (train: [T], validation: [T]) {
        let folders = try studyFolders(in: data)
        guard !folders.isEmpty else { throw InputError("\(data): no study folders") }
        var rng = RandomSource(seed: seed)
        let order = folders.shuffled(using: &rng)
        let held = validationFraction > 0 && folders.count > 1
            ? max(1, Int((Double(folders.count) * validationFraction).rounded())) : 0
        let progress = Progress(total: folders.count, label: "preprocess", unit: " studies")
        var train: [T] = [], validation: [T] = []
        for (i, path) in order.enumerated() {
            let study = try Study.load(try StudyFolder(path: path))
            let made = try make(study)
            if i < held { validation.append(made) } else { train.append(made) }
            progress.advance(detail: study.id)
        }
        return (train, validation)
    }

    /// A progress bar per epoch for a trainer's `onStep(done, total, loss)`, labelled by `detail`.
    func epochProgress(completedEpochs: @escaping () -> Int, detail: @escaping (Double) -> String) -> (Int, Int, Double) -> Void {
        var bar: Progress?
        // The bar is made when the first step reports, after it ran: its rate counts from the end
        // of the previous epoch (or the start), not from the first step's end.
        var epochStart = Stopwatch()
        return { done, total, loss in
            if done == 1 { bar = Progress(total: total, label: "epoch \(completedEpochs() + 1)", unit: " steps", since: epochStart) }
            bar?.advance(detail: detail(loss))
            if done == total { epochStart = Stopwatch() }
        }
    }

    /// `defaults` with these arguments applied.
    func settings(over defaults: RunSettings) -> RunSettings {
        var run = defaults
        run.epochs = epochs
        run.batchSize = batchSize
        run.learningRate = learningRate ?? defaults.learningRate
        run.patchSize = patchSize
        run.samplesPerEpoch = samplesPerEpoch
        run.validationFraction = validationFraction
        run.seed = seed
        run.augment = !noAugment
        return run
    }
}

/// `f32` or `f16` on the command line (the safetensors dtype names, F32 and F16, also parse).
extension WeightType: ExpressibleByArgument {
    public init?(argument: String) { self.init(rawValue: argument.uppercased()) }
    public var defaultValueDescription: String { rawValue.lowercased() }
    public static var allValueStrings: [String] { ["f32", "f16"] }
}

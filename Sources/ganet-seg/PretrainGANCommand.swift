import ArgumentParser
import Compute
import FoundationEssentials
import Networks
import Pipeline
import Randomness
import Training

struct PretrainGAN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain-gan",
        abstract: "Pre-train the inpainting GAN (generator + PatchGAN discriminator) on normal brains.",
        discussion: """
            Loads and preprocesses every study in --normals (tumour-free phantoms from \
            `ganet-seg synth --normal`, or any BraTS-format studies: slices with a tumour label are \
            skipped), holds out --validation-fraction of them, and trains on random occlusions \
            (ellipses and blobs): the generator inpaints the occluded tissue (adversarial + L1 loss), \
            the discriminator is updated once per --discriminator-interval generator updates. Adam \
            (weight decay 1e-4) with polynomial decay. After each epoch it reports the validation L1 \
            under the masks, keeps the best GAN in --output, writes <output>.checkpoint for --resume, \
            and stops early after --patience epochs without improvement. Log: <output>.log.jsonl.
            """)

    enum Modalities: String, ExpressibleByArgument, CaseIterable {
        case t1, all
        var list: [Modality] { self == .t1 ? [.t1] : Modality.allCases }
    }

    @Option(help: "Folder of normal study folders.") var normals: String
    @Option(help: "Where to write the GAN weights (.safetensors).") var output: String
    @Option(help: "Modalities the GAN sees: t1 (the paper) or all.") var modalities: Modalities = .t1
    @Option(help: "Epochs (at most; early stopping may end sooner).") var epochs: Int = 30
    @Option(help: "Patches per batch.") var batchSize: Int = 8
    @Option(name: .customLong("lr"), help: "Initial learning rate of both networks.") var learningRate: Float = 1e-4
    @Option(help: "Side of the square training patches.") var patchSize: Int = 128
    @Option(help: "Training patches drawn per epoch (0: every normal slice once).") var samplesPerEpoch: Int = 0
    @Option(help: "Normal slices kept per study, evenly spaced (0: all).") var slicesPerStudy: Int = 0
    @Option(help: "Share of studies held out for validation.") var validationFraction: Double = 0.2
    @Option(help: "Seed of initialisation, split, crops and masks.") var seed: UInt64 = 1
    @Option(help: "Generator U-Net widths (the last is the bottleneck).") var generatorWidths: String = "32,64,128"
    @Option(help: "Discriminator widths (one 4x4 stride-2 convolution each).") var discriminatorWidths: String = "32,64,128"
    @Option(help: "Generator updates per discriminator update.") var discriminatorInterval: Int = 5
    @Option(help: "Weight of the L1 reconstruction against the adversarial loss.") var reconstructionWeight: Float = 100
    @Option(help: "Epochs without a better validation L1 before stopping.") var patience: Int = 5
    @Option(help: "Store weights as f32 or f16.") var weightsType: WeightType = .f32
    @Option(help: "What the data is, recorded in the model's metadata (e.g. 'synthetic normal phantoms').")
    var dataDescription: String = "unspecified"
    @Flag(help: "Continue from <output>.checkpoint.") var resume = false
    @Flag(help: "Train without augmentation.") var noAugment = false
    @Option(help: "auto, cpu, gpu, vulkan or vulkan:N (see `ganet-seg devices`).") var device: Device = .auto

    func validate() throws {
        guard epochs >= 1, batchSize >= 1, patchSize >= 16, learningRate > 0, discriminatorInterval >= 1,
              patience >= 1, reconstructionWeight >= 0, samplesPerEpoch >= 0, slicesPerStudy >= 0 else {
            throw ValidationError("--epochs, --batch-size, --discriminator-interval, --patience must be >= 1, "
                                  + "--patch-size >= 16, --lr > 0, the rest >= 0")
        }
        guard (0.0..<1.0).contains(validationFraction) else {
            throw ValidationError("--validation-fraction must be in 0..<1")
        }
        _ = try ganConfiguration()
    }

    func ganConfiguration() throws -> GANConfiguration {
        func widths(_ text: String, _ option: String, minimum: Int) throws -> [Int] {
            let w = text.split(separator: ",").map { Int($0) }
            guard w.count >= minimum, w.allSatisfy({ ($0 ?? 0) >= 1 }) else {
                throw ValidationError("\(option) must be at least \(minimum) positive integers like 32,64,128")
            }
            return w.map { $0! }
        }
        let config = GANConfiguration(imageChannels: modalities.list.count,
                                      generatorWidths: try widths(generatorWidths, "--generator-widths", minimum: 2),
                                      discriminatorWidths: try widths(discriminatorWidths, "--discriminator-widths", minimum: 1))
        guard patchSize % config.sizeMultiple == 0 else {
            throw ValidationError("--patch-size must be a multiple of \(config.sizeMultiple)")
        }
        return config
    }

    func run() throws {
        try reportingErrors {
            let backend = try device.makeBackend()
            var options = GANTrainingOptions()
            options.epochs = epochs
            options.batchSize = batchSize
            options.learningRate = learningRate
            options.patchSize = patchSize
            options.samplesPerEpoch = samplesPerEpoch
            options.validationFraction = validationFraction
            options.seed = seed
            options.augment = !noAugment
            options.discriminatorInterval = discriminatorInterval
            options.reconstructionWeight = reconstructionWeight
            options.patience = patience
            options.modalities = modalities.list

            let (train, validation) = try loadSlices(options)
            guard !train.isEmpty else { throw InputError("\(normals): no normal brain slice to train on") }
            log("\(train.count) training slices, \(validation.count) validation slices (\(modalities.rawValue))")

            let config = try ganConfiguration()
            let gan = InpaintingGAN(config, backend: backend, seed: seed)
            let trainer = GANPretrainer(gan: gan, backend: backend, options: options)
            let checkpoint = GANCheckpoint(path: output + ".checkpoint")
            if resume {
                try checkpoint.restore(into: trainer)
                log("resumed after epoch \(trainer.completedEpochs)")
            }
            var metadata = config.metadata
            metadata["modalities"] = options.modalities.map(\.key).joined(separator: ",")
            metadata["training_data"] = dataDescription
            let runLog = output + ".log.jsonl"
            try trainer.train(train, validation: validation, onStep: stepProgress(trainer: trainer)) { report, improved in
                let d = report.discriminatorLoss.map { " D \(format($0, 4))" } ?? ""
                let v = report.validationReconstruction.map { " val L1 \(format($0, 4))" } ?? ""
                log("epoch \(report.epoch)/\(epochs) G \(format(report.generatorLoss, 4)) (adv \(format(report.adversarial, 4)), L1 \(format(report.reconstruction, 4)))\(d) lr \(report.learningRate) \(format(report.seconds, 0)) s\(v)\(improved ? " (best)" : "")")
                try appendLine(try jsonLine(report), to: runLog)
                if improved {
                    metadata["epochs"] = "\(report.epoch)"
                    metadata["validation_reconstruction_l1"] = format(report.criterion, 5)
                    try SafeTensors.write(gan.exportWeights(backend: backend), as: weightsType, metadata: metadata, to: output)
                }
                try checkpoint.save(trainer)
            }
            if trainer.stoppedEarly {
                log("early stopping: no better validation L1 in \(patience) epochs")
            }
            log("best GAN: \(output)")
        }
    }

    /// Loads, preprocesses and splits the studies (per seed), keeping only their normal slices.
    private func loadSlices(_ options: GANTrainingOptions) throws -> ([SliceSample], [SliceSample]) {
        let folders = try studyFolders(in: normals)
        guard !folders.isEmpty else { throw InputError("\(normals): no study folders") }
        var rng = RandomSource(seed: options.seed)
        let order = folders.shuffled(using: &rng)
        let held = folders.count > 1 ? max(1, Int((Double(folders.count) * options.validationFraction).rounded())) : 0
        let channels = Inpainting.channels(of: options.modalities)
        let progress = Progress(total: folders.count, label: "preprocess", unit: " studies")
        var train: [SliceSample] = [], validation: [SliceSample] = []
        for (i, path) in order.enumerated() {
            let study = try Study.load(try StudyFolder(path: path))
            let slices = NormalSlices.make(from: try Preprocessor()(study), channels: channels, perStudy: slicesPerStudy)
            if i < held { validation += slices } else { train += slices }
            progress.advance(detail: study.id)
        }
        return (train, validation)
    }

    private func stepProgress(trainer: GANPretrainer) -> (Int, Int, Double) -> Void {
        var bar: Progress?
        return { done, total, loss in
            if done == 1 { bar = Progress(total: total, label: "epoch \(trainer.completedEpochs + 1)", unit: " steps") }
            bar?.advance(detail: "G \(format(loss, 4))")
        }
    }
}

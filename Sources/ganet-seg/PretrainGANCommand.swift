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
            `ganet-seg synth --normal`, or BraTS-format studies with reference labels: the tumour and \
            the tissue within --tumour-margin mm of it are left out, and patches are cropped from the \
            rest; a study without labels counts as normal throughout), holds out \
            --validation-fraction of them (plus any --validation-study), and trains on random occlusions \
            (ellipses and blobs): the generator inpaints the occluded tissue (adversarial + L1 loss), \
            the discriminator is updated once per --discriminator-interval generator updates. Adam \
            (weight decay 1e-4) with polynomial decay. After each epoch it reports the validation L1 \
            under the masks and the discriminator's loss and AUROC on them, and, for each \
            --map-validation-study (a study with reference labels), the voxel AUROC of the \
            discriminator's anomaly map, tumour against normal brain; keeps the best GAN by \
            --select-by in --output, writes <output>.checkpoint for --resume, and stops early after \
            --patience epochs without improvement. Log: <output>.log.jsonl.
            """)

    enum Modalities: String, ExpressibleByArgument, CaseIterable {
        case t1, all
        var list: [Modality] { self == .t1 ? [.t1] : Modality.allCases }
    }

    @Option(help: "Folder of normal study folders.") var normals: String
    @Option(help: "Where to write the GAN weights (.safetensors).") var output: String
    @Option(help: "Modalities the GAN sees: t1 (the paper) or all.") var modalities: Modalities = .t1
    @Option(help: "Normal slices kept per study, evenly spaced (0: all).") var slicesPerStudy: Int = 0
    @Option(help: "Tissue within this many mm of a reference tumour label is left out of the normal tissue.")
    var tumourMargin: Double = 15
    @Option(name: .customLong("validation-study"), parsing: .singleValue,
            help: ArgumentHelp("A study whose normal tissue is held out for validation (repeatable).", valueName: "path"))
    var validationStudies: [String] = []
    @Option(name: .customLong("map-validation-study"), parsing: .singleValue,
            help: ArgumentHelp("A study with reference labels on which the anomaly map's voxel AUROC is measured after each epoch (repeatable).",
                               valueName: "path"))
    var mapValidationStudies: [String] = []
    @Option(help: "What keeps an epoch: validation-l1 (the generator's) or map-auroc (needs --map-validation-study).")
    var selectBy: GANSelection = .reconstruction
    @Option(help: "Generator U-Net widths (the last is the bottleneck).") var generatorWidths: String = "32,64,128"
    @Option(help: "Discriminator widths (one 4x4 stride-2 convolution each).") var discriminatorWidths: String = "32,64,128"
    @Option(help: "Generator updates per discriminator update.") var discriminatorInterval: Int = 5
    @Option(help: "The discriminator's learning rate as a multiple of the generator's.") var discriminatorLrScale: Float = 1
    @Option(help: "Weight of the L1 reconstruction against the adversarial loss.") var reconstructionWeight: Float = 100
    @Option(help: "Epochs without a better validation L1 before stopping.") var patience: Int = 5

    @OptionGroup var common: TrainingArguments

    func validate() throws {
        guard discriminatorInterval >= 1, patience >= 1, reconstructionWeight >= 0, slicesPerStudy >= 0,
              tumourMargin >= 0, tumourMargin.isFinite, discriminatorLrScale > 0, discriminatorLrScale.isFinite else {
            throw ValidationError("--discriminator-interval and --patience must be >= 1, "
                                  + "--reconstruction-weight, --slices-per-study and --tumour-margin >= 0, "
                                  + "--discriminator-lr-scale > 0")
        }
        if selectBy == .mapAUROC && mapValidationStudies.isEmpty {
            throw ValidationError("--select-by map-auroc needs a --map-validation-study")
        }
        _ = try ganConfiguration()
    }

    func ganConfiguration() throws -> GANConfiguration {
        let config = GANConfiguration(imageChannels: modalities.list.count,
                                      generatorWidths: try common.widths(generatorWidths, option: "--generator-widths", minimum: 2),
                                      discriminatorWidths: try common.widths(discriminatorWidths, option: "--discriminator-widths"))
        try common.checkPatchSize(multipleOf: config.sizeMultiple)
        return config
    }

    func run() throws {
        try reportingErrors {
            let backend = try common.device.makeBackend()
            var options = GANTrainingOptions()
            options.run = common.settings(over: options.run)
            options.discriminatorInterval = discriminatorInterval
            options.discriminatorRateScale = discriminatorLrScale
            options.reconstructionWeight = reconstructionWeight
            options.patience = patience
            options.selection = selectBy
            options.modalities = modalities.list

            let (train, validation) = try loadSlices(options)
            guard !train.isEmpty else { throw InputError("\(normals): no normal brain slice to train on") }
            log("\(train.count) training slices, \(validation.count) validation slices (\(modalities.rawValue))")
            let mapValidation = try mapValidationStudies.map { path in
                let study = try Preprocessor()(try Study.load(try StudyFolder(path: path)))
                guard study.labels?.contains(where: { $0 != 0 }) == true else {
                    throw InputError("\(path): a map validation study needs reference labels with a tumour")
                }
                return study
            }

            let config = try ganConfiguration()
            let gan = InpaintingGAN(config, backend: backend, seed: common.seed)
            let trainer = GANPretrainer(gan: gan, backend: backend, options: options)
            let checkpoint = GANCheckpoint(path: output + ".checkpoint")
            if common.resume {
                try checkpoint.restore(into: trainer)
                log("resumed after epoch \(trainer.completedEpochs)")
            }
            var metadata = config.metadata
            metadata["modalities"] = options.modalities.map(\.key).joined(separator: ",")
            metadata["training_data"] = common.dataDescription
            let runLog = output + ".log.jsonl"
            let onStep = common.epochProgress(completedEpochs: { trainer.completedEpochs }) { "G \(format($0, 4))" }
            try trainer.train(train, validation: validation, mapValidation: mapValidation, onStep: onStep) { report, improved in
                // A failed device gave meaningless numbers this epoch: stop before saving any of them.
                try backend.synchronize()
                let d = report.discriminatorLoss.map { " D \(format($0, 4))" } ?? ""
                let v = (report.validationReconstruction.map { " val L1 \(format($0, 4))" } ?? "")
                    + (report.validationDiscriminatorLoss.map { " val D \(format($0, 4)) (chance 0.6931)" } ?? "")
                    + (report.validationAUROC.map { " val D AUROC \(format($0, 3))" } ?? "")
                    + (report.validationMapAUROC.map { " map AUROC \(format($0, 3))" } ?? "")
                log("epoch \(report.epoch)/\(common.epochs) G \(format(report.generatorLoss, 4)) (adv \(format(report.adversarial, 4)), L1 \(format(report.reconstruction, 4)))\(d) lr \(report.learningRate) \(format(report.seconds, 0)) s\(v)\(improved ? " (best)" : "")")
                try appendLine(try jsonLine(report), to: runLog)
                if improved {
                    metadata["epochs"] = "\(report.epoch)"
                    metadata["selected_by"] = selectBy.rawValue
                    metadata["validation_reconstruction_l1"] = format(report.criterion(.reconstruction), 5)
                    metadata["validation_map_auroc"] = report.validationMapAUROC.map { format($0, 4) }
                    try SafeTensors.write(gan.exportWeights(backend: backend), as: common.weightsType, metadata: metadata, to: output)
                }
                try checkpoint.save(trainer)
            }
            if trainer.stoppedEarly {
                log("early stopping: no better \(selectBy.rawValue) in \(patience) epochs")
            }
            log("best GAN: \(output)")
        }
    }

    /// Loads, preprocesses and splits the studies (per seed), keeping only their normal tissue.
    private func loadSlices(_ options: GANTrainingOptions) throws -> ([SliceSample], [SliceSample]) {
        let channels = Inpainting.channels(of: options.modalities)
        let normalSlices = { (study: Study) in
            NormalSlices.make(from: try Preprocessor()(study), channels: channels, perStudy: slicesPerStudy,
                              exclusionMargin: tumourMargin)
        }
        let (train, held) = try common.loadSplit(normals, normalSlices)
        let validation = try held + validationStudies.map { try normalSlices(try Study.load(try StudyFolder(path: $0))) }
        return (train.flatMap { $0 }, validation.flatMap { $0 })
    }
}
extension GANSelection: ExpressibleByArgument {}

import ArgumentParser
import Compute
import FoundationEssentials
import Glibc
import Networks
import Pipeline
import Randomness
import Training

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train the segmentation U-Net on a folder of BraTS-format studies with ground truth.",
        discussion: """
            Loads and preprocesses every study in --data (one sub-folder per study, real BraTS or \
            phantoms from `ganet-seg synth`), holds out --validation-fraction of them, and trains with \
            cross-entropy + Dice, Adam (weight decay 1e-4) and polynomial learning-rate decay. After \
            each epoch it validates (Dice per region), writes a checkpoint (<output>.checkpoint) for \
            --resume, and keeps the best model so far in --output (or, with --keep last, the latest: \
            for comparing runs epoch for epoch). A log of the run goes to \
            <output>.log.jsonl.

            With --gan (a GAN from `ganet-seg pretrain-gan`, frozen), training is GANet-Seg's joint \
            training: epochs before --phase-one-epochs use the segmentation loss only; later epochs add \
            sparsity (--alpha), size consistency (--gamma) and the edge-weighted adversarial feedback \
            of the frozen GAN, each term weighted by 1 / (||grad L_i|| + eps) over the U-Net's \
            parameters (re-measured every --weight-refresh steps; each measurement costs four extra \
            forward/backward passes). The weights and term values are logged per epoch.
            """)

    @Option(help: "Folder of study folders (or train on synthesis: --synthesis-from).")
    var data: String?

    @OptionGroup(title: "Synthesis") var synthesis: SynthesisArguments

    @Option(name: .customLong("validation-study"), parsing: .singleValue,
            help: ArgumentHelp("A study with ground truth to validate on after each epoch (repeatable; with --synthesis-from the only validation).",
                               valueName: "path"))
    var validationStudies: [String] = []

    @Option(help: "Start from these weights (a model from `train`) instead of a random initialisation.")
    var initialWeights: String?

    @Option(help: "Where to write the trained weights (.safetensors).")
    var output: String

    @Option(help: "U-Net encoder widths.") var widths: String = "64,128,256"
    @Option(help: "U-Net bottleneck width.") var bottleneck: Int = 320
    @Option(help: "Share of tumour-free slices in the training set (the paper uses none; without them the network marks tumour in normal slices). With --synthesis-from a quarter of the slices are drawn from any brain slice instead.")
    var emptySliceShare: Double = 0.25
    @Option(help: "Share of training slices that get enhancing vessels painted at the brain's surface on T1ce, labelled background (0: none).")
    var surfaceEnhancement: Double = 0
    @Option(help: "Share of tumour slices whose core signal is moved toward the oedema's and whose enhancement on T1ce is weakened; labels unchanged (0: none).")
    var tumourContrast: Double = 0
    @Option(help: "Pre-trained GAN (.safetensors from pretrain-gan): joint GANet-Seg training.") var gan: String?
    @Option(help: "With --gan: epochs of segmentation-only training before the joint phase.") var phaseOneEpochs: Int = 10
    @Option(help: "With --gan: sparsity weight alpha (alpha * mean |M|).") var alpha: Float = 0.1
    @Option(help: "With --gan: size-consistency weight gamma.") var gamma: Float = 0.1
    @Option(help: "With --gan: factor on the adversarial feedback term after its dynamic weight.")
    var adversarialWeight: Float = 1
    @Option(help: "With --gan: eps of the dynamic weights 1 / (||grad L_i|| + eps).") var weightEpsilon: Double = 1e-8
    @Option(help: "With --gan: re-measure the dynamic weights every this many steps.") var weightRefresh: Int = 1
    @Flag(help: "With --gan: plain sum of the terms instead of dynamic weights.") var noDynamicWeights = false

    @Option(help: "Which model --output holds: the best by validation Dice, or the last epoch's.")
    var keep: KeptModel = .best

    @OptionGroup var common: TrainingArguments

    func validate() throws {
        guard (data == nil) == synthesis.enabled else {
            throw ValidationError("give either --data or --synthesis-from")
        }
        guard (0.0..<1.0).contains(emptySliceShare) else {
            throw ValidationError("--empty-slice-share must be in 0..<1")
        }
        guard (0.0...1.0).contains(surfaceEnhancement) else {
            throw ValidationError("--surface-enhancement must be in 0...1")
        }
        guard (0.0...1.0).contains(tumourContrast) else {
            throw ValidationError("--tumour-contrast must be in 0...1")
        }
        guard phaseOneEpochs >= 0, alpha >= 0, gamma >= 0, adversarialWeight >= 0, weightEpsilon >= 0, weightRefresh >= 1 else {
            throw ValidationError("--phase-one-epochs, --alpha, --gamma, --adversarial-weight, --weight-epsilon must be >= 0, "
                                  + "--weight-refresh >= 1")
        }
        _ = try configuration()
    }

    func configuration() throws -> UNetConfiguration {
        guard bottleneck >= 1 else { throw ValidationError("--bottleneck must be a positive integer") }
        let config = UNetConfiguration(widths: try common.widths(widths, option: "--widths"), bottleneck: bottleneck)
        try common.checkPatchSize(multipleOf: config.sizeMultiple)
        return config
    }

    func run() throws {
        try reportingErrors {
            let backend = try common.device.makeBackend()
            var options = TrainingOptions()
            options.run = common.settings(over: options.run)
            options.surfaceEnhancement = surfaceEnhancement
            options.tumourContrast = tumourContrast
            options.phaseOneEpochs = phaseOneEpochs
            options.sparsityAlpha = alpha
            options.sizeGamma = gamma
            options.adversarialWeight = adversarialWeight
            options.dynamicWeightEpsilon = weightEpsilon
            options.weightRefreshInterval = weightRefresh
            options.dynamicWeighting = !noDynamicWeights

            let slices: any SliceSource
            var validation = try validationStudies.map { try Preprocessor()(try Study.load(try StudyFolder(path: $0))) }
            if let data {
                let (train, held) = try loadStudies(from: data)
                let set = TrainingSet(studies: train, emptyShare: emptySliceShare)
                guard !set.samples.isEmpty else { throw InputError("\(data): no slice with a tumour label to train on") }
                log("\(set.samples.count) training slices from \(train.count) studies, \(held.count) validation studies")
                slices = set
                validation += held
            } else {
                // A resumed run gets a fresh stream, seeded by where it resumes (SynthesisStream).
                let resumeEpoch = common.resume ? try Checkpoint(path: output + ".checkpoint").completedEpochs() : 0
                let stream = try synthesis.makeStream(seed: common.seed &+ UInt64(resumeEpoch) &* 0x9E37_79B9)
                log("synthesis from \(stream.recipes.map { "\($0.name) (\(format($0.weight, 3)))" }.joined(separator: ", "))")
                slices = stream
            }

            let config = try configuration()
            let network = UNet(config, backend: backend, seed: common.seed)
            if let initialWeights {
                try network.loadWeights(try SafeTensors.read(path: initialWeights), path: initialWeights, backend: backend)
                log("starting from \(initialWeights)")
            }
            var feedback: AdversarialFeedback?
            var metadata = config.metadata
            if let gan {
                let model = try GANModel.load(path: gan, backend: backend)
                let multiple = model.gan.configuration.sizeMultiple
                guard common.patchSize % multiple == 0 else {
                    throw InputError("--patch-size \(common.patchSize) must be a multiple of the GAN's \(multiple)")
                }
                feedback = AdversarialFeedback(gan: model.gan, channels: model.channels)
                metadata["gan"] = model.name
                metadata["gan_sha256"] = model.sha256
                log("joint training with the frozen GAN \(model.name) (\(model.modalities.map(\.key).joined(separator: ","))) "
                    + "from epoch \(phaseOneEpochs + 1)")
            }
            let trainer = Trainer(network: network, backend: backend, options: options, feedback: feedback)
            let checkpoint = Checkpoint(path: output + ".checkpoint")
            if common.resume {
                try checkpoint.restore(into: trainer)
                log("resumed after epoch \(trainer.completedEpochs)")
            }
            var best = trainer.history.compactMap { $0.validation?.mean }.max() ?? -1
            metadata["training_data"] = common.dataDescription
            let runLog = output + ".log.jsonl"
            let onStep = common.epochProgress(completedEpochs: { trainer.completedEpochs }) { "loss \(format($0, 4))" }
            try trainer.train(slices, validation: validation, onStep: onStep) { report in
                // A failed device gave meaningless numbers this epoch: stop before saving any of them.
                try backend.synchronize()
                let v = report.validation.map { " val Dice WT \(format($0.wt, 3)) TC \(format($0.tc, 3)) ET \(format($0.et, 3))" } ?? ""
                log("epoch \(report.epoch)/\(common.epochs) loss \(format(report.loss, 4)) (CE \(format(report.crossEntropy, 4)), 1-Dice \(format(report.dice, 4))) lr \(report.learningRate) \(format(report.seconds, 0)) s\(v)")
                if let terms = report.terms, let weights = report.dynamicWeights {
                    let names = ["seg", "sparsity", "size", "adv"]
                    let parts = zip(names, zip(terms.values, weights.values)).map { "\($0) \(format($1.0, 4)) x \(format($1.1, 4))" }
                    log("  joint: \(parts.joined(separator: ", ")) -> \(format(report.weightedLoss ?? .nan, 4))")
                }
                try appendLine(try jsonLine(report), to: runLog)
                let score = report.validation?.mean ?? Double(report.epoch)
                if score > best || keep == .last {
                    best = max(best, score)
                    metadata["epochs"] = "\(report.epoch)"
                    metadata["validation_dice"] = String(v.drop { $0 == " " })
                    try SafeTensors.write(network.exportWeights(backend: backend), as: common.weightsType, metadata: metadata, to: output)
                }
                try checkpoint.save(trainer)
            }
            log("best model: \(output)")
        }
    }

    /// Loads and preprocesses every study, then splits them (deterministically per seed).
    private func loadStudies(from data: String) throws -> ([PreprocessedStudy], [PreprocessedStudy]) {
        try common.loadSplit(data) { study in
            guard study.groundTruth != nil else { throw InputError("\(study.folder.path): no ground truth (<id>_seg) to train on") }
            return try Preprocessor()(study)
        }
    }
}

/// Sub-folders of `path` (hidden ones skipped), sorted.
func studyFolders(in path: String) throws -> [String] {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: path) else {
        throw InputError("\(path): not a readable folder")
    }
    return names.filter { !$0.hasPrefix(".") }.sorted().map { path + "/" + $0 }.filter {
        var isDirectory = false
        return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory
    }
}

func log(_ line: String) {
    FileHandleStderr.write(line + "\n")
}

func jsonLine<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}

func appendLine(_ line: String, to path: String) throws {
    guard let handle = fopen(path, "a") else { throw InputError("cannot open \(path) for appending") }
    defer { fclose(handle) }
    fputs(line + "\n", handle)
}

/// Which weights `train --output` holds.
enum KeptModel: String, ExpressibleByArgument, CaseIterable {
    case best, last
}

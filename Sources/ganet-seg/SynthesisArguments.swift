import ArgumentParser
import Phantoms
import Randomness
import Synthesis
import Training
import Volumes

/// `train`'s options for training on studies synthesised on the fly from label maps.
struct SynthesisArguments: ParsableArguments {
    @Option(name: .customLong("synthesis-from"), parsing: .singleValue,
            help: ArgumentHelp("Anatomy to synthesise training studies from (repeatable): a BraTS study folder with ground truth, a BRATS 2013 case folder, or the NIfTI T1 of a tumour-free brain (tumours are transplanted into it).",
                               valueName: "path"))
    var sources: [String] = []

    @Option(help: "Share of synthesised studies made from a tumour-free brain with a transplanted tumour.")
    var atlasShare: Double = 0.25
    @Option(help: "Share of studies that are phantoms (`synth` anatomy from the ICBM152 template).")
    var phantomShare: Double = 0.1
    @Option(help: "Synthesised studies kept in memory at once.") var poolSize: Int = 6
    @Option(help: "Replace one pooled study every this many drawn slices.") var refreshEvery: Int = 16
    @Option(help: "ICBM152 template folder for the phantoms (default: the installation's).") var template: String?

    var enabled: Bool { !sources.isEmpty }

    func validate() throws {
        guard (0.0...1.0).contains(atlasShare), (0.0..<1.0).contains(phantomShare), atlasShare + phantomShare < 1 || !enabled else {
            throw ValidationError("--atlas-share and --phantom-share must be shares (0...1) that leave room for the labelled studies")
        }
        guard poolSize >= 1, refreshEvery >= 1 else { throw ValidationError("--pool-size and --refresh-every must be >= 1") }
    }

    /// Loads the sources and fills the first pool.
    func makeStream(seed: UInt64) throws -> SynthesisStream {
        let recipes = try makeRecipes()
        let pool = Progress(total: poolSize, label: "synthesise", unit: " studies")
        return try SynthesisStream(recipes: recipes, poolSize: poolSize, refreshEvery: refreshEvery, seed: seed) { _, _ in
            pool.advance(detail: "")
        }
    }

    /// Loads the sources: one recipe per labelled source, one per tumour-free brain (with a
    /// transplanted tumour), and the phantoms, weighted by the shares.
    func makeRecipes() throws -> [SynthesisStream.Recipe] {
        var tumours: [LabelMapSource] = [], normals: [LabelMapSource] = []
        let progress = Progress(total: sources.count, label: "synthesis sources", unit: " sources")
        for path in sources {
            let (source, kind) = try SynthesisSources.load(path: path)
            switch kind {
            case .tumour:
                guard source.hasTumour else { throw InputError("\(path): no tumour label to synthesise from") }
                tumours.append(source)
            case .normal: normals.append(source)
            }
            progress.advance(detail: source.id)
        }
        guard !tumours.isEmpty else { throw InputError("--synthesis-from: no source with tumour labels") }
        let synthesizer = VolumeSynthesizer()
        var recipes: [SynthesisStream.Recipe] = []
        let atlas = normals.isEmpty ? 0 : atlasShare
        for source in tumours {
            recipes.append(.init(name: source.id, weight: (1 - atlas - phantomShare) / Double(tumours.count)) { rng in
                synthesizer.synthesize(source, using: &rng)
            })
        }
        for normal in normals {
            let donors = tumours
            recipes.append(.init(name: normal.id + "+tumour", weight: atlas / Double(normals.count)) { rng in
                let donor = donors[Int(rng.next() % UInt64(donors.count))]
                let mirrored = rng.next() % 2 == 0
                return synthesizer.synthesize(normal.transplanting(tumourOf: donor, mirrored: mirrored), using: &rng)
            })
        }
        if phantomShare > 0 {
            let generator = PhantomGenerator(template: try Template(directory: try TemplateLocator.find(explicit: template)))
            let shape = tumours[0].dims
            recipes.append(.init(name: "phantom", weight: phantomShare) { rng in
                let phantom = generator.make(seed: rng.next(), index: 0, shape: shape, normal: false)
                let order = phantom.geometry.toBraTSOrder
                return SynthesizedStudy(id: phantom.id, dims: order.rearranged(shape),
                                        images: phantom.images.map { order.apply($0, dims: shape) },
                                        classes: order.apply(phantom.labels, dims: shape).map { trainingClass(ofLabel: UInt8($0)) })
            })
        }
        return recipes
    }
}

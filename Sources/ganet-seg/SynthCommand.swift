import ArgumentParser
import Glibc
import Phantoms
import Pipeline
import Platform
import Randomness
import Synthesis
import Training
import Volumes

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write synthetic BraTS-format studies built from real normal anatomy (ICBM152).",
        discussion: """
            Each study folder holds <id>_t1, _t1ce, _t2, _flair (int16) and _seg (uint8 labels: 1 necrotic \
            core, 2 oedema, 4 enhancing tumour) as .nii.gz. The same seed always gives the same studies. \
            These are phantoms for testing and training, not patient data.

            With --synthesis-from, the studies are instead the ones `train --synthesis-from` trains on \
            (randomised appearance over the given anatomy, float32, in BraTS voxel order), to look at.
            """)

    @Option(help: "Folder to write the study folders into (created if missing).")
    var output: String

    @Option(help: "Number of studies.")
    var count: Int = 1

    @Option(help: "Seed of the series.")
    var seed: UInt64 = 1

    @Option(help: "Grid size X,Y,Z (BraTS: 240,240,155; e.g. 96,96,24 for tiny test studies).")
    var shape: String = "240,240,155"

    @Flag(help: "Tumour-free brains (normal tissue for the GAN's pre-training).")
    var normal = false

    @OptionGroup(title: "Training synthesis") var synthesis: SynthesisArguments

    func validate() throws {
        guard count >= 1 else { throw ValidationError("--count must be at least 1") }
        _ = try parsedShape()
    }

    func parsedShape() throws -> [Int] {
        let parts = shape.split(separator: ",").compactMap { Int($0.filter { !$0.isWhitespace }) }
        guard parts.count == 3, parts.allSatisfy({ (8...1024).contains($0) }) else {
            throw ValidationError("--shape must be three sizes X,Y,Z from 8 to 1024, got '\(shape)'")
        }
        return parts
    }

    func run() throws {
        try reportingErrors {
            if synthesis.enabled {
                guard shape == "240,240,155", !normal else {
                    throw InputError("--synthesis-from takes the grid and the tumours from its sources: --shape and --normal do not apply")
                }
                return try writeTrainingSynthesis()
            }
            let shape = try parsedShape()
            let directory = try TemplateLocator.find(explicit: synthesis.template)
            let generator = PhantomGenerator(template: try Template(directory: directory))
            try FileSystem.makeDirectories(output)
            let progress = Progress(total: count, label: "synth", unit: " studies")
            for index in 1...count {
                let phantom = generator.make(seed: seed, index: index, shape: shape, normal: normal)
                try phantom.write(into: output)
                progress.advance(detail: phantom.id)
            }
        }
    }
}

extension Synth {
    /// Writes `count` studies as training synthesis makes them.
    private func writeTrainingSynthesis() throws {
        let recipes = try synthesis.makeRecipes()
        var rng = RandomSource(seed: seed)
        try FileSystem.makeDirectories(output)
        let writer = NIfTIWriter()
        let progress = Progress(total: count, label: "synth", unit: " studies")
        for index in 1...count {
            let recipe = SynthesisStream.Recipe.draw(from: recipes, using: &rng)
            let study = recipe.make(&rng)
            let id = "Synth_\(seed)_\(index)"
            let folder = output + "/" + id
            try FileSystem.makeDirectories(folder)
            let geometry = Geometry.bratsOrder(dims: study.dims)
            for (suffix, image) in zip(Phantom.suffixes, study.images) {
                try writer.write(image, like: geometry, as: .float32, to: "\(folder)/\(id)\(suffix).nii.gz")
            }
            let labels = Postprocessor(convention: .brats2020)
            try writer.write(study.classes.map { Float(labels.label(ofClass: $0)) }, like: geometry, as: .uint8,
                             to: "\(folder)/\(id)_seg.nii.gz")
            progress.advance(detail: "\(id) from \(recipe.name)")
        }
    }
}

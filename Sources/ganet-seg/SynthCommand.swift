import ArgumentParser
import Glibc
import Phantoms

struct Synth: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write synthetic BraTS-format studies built from real normal anatomy (ICBM152).",
        discussion: """
            Each study folder holds <id>_t1, _t1ce, _t2, _flair (int16) and _seg (uint8 labels: 1 necrotic \
            core, 2 oedema, 4 enhancing tumour) as .nii.gz. The same seed always gives the same studies. \
            These are phantoms for testing and training, not patient data.
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

    @Option(help: "Folder with the ICBM152 template (default: data/icbm152 of the installation).")
    var template: String?

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
            let shape = try parsedShape()
            let directory = try TemplateLocator.find(explicit: template)
            let generator = PhantomGenerator(template: try Template(directory: directory))
            try makeDirectories(output)
            let progress = Progress(total: count, label: "synth", unit: " studies")
            for index in 1...count {
                let phantom = generator.make(seed: seed, index: index, shape: shape, normal: normal)
                try phantom.write(into: output)
                progress.advance(detail: phantom.id)
            }
        }
    }
}

/// Creates `path` and its parents.
func makeDirectories(_ path: String) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/" + part
        if mkdir(current, 0o755) != 0 && errno != EEXIST {
            throw InputError("cannot create folder \(current): \(String(cString: strerror(errno)))")
        }
    }
}

import ArgumentParser
import Pipeline
import Reports
import Volumes

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the stages of processing one study (build with -c release for real figures).",
        discussion: "Prints the minimum and median wall time of each stage over --repeat runs.")

    @Argument(help: "A study folder (e.g. from `ganet-seg synth --shape 240,240,155`).")
    var study: String

    @Option(name: .customLong("repeat"), help: "Runs per stage.")
    var runs: Int = 5

    func validate() throws {
        guard runs >= 1 else { throw ValidationError("--repeat must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let folder = try StudyFolder(path: study)
            var loaded: Study?
            var prepared: PreprocessedStudy?
            let report = FileSystemScratch.folder("ganet-seg-bench")
            let stages: [(String, () throws -> Void)] = [
                ("read (4 modalities + labels, validate)", { loaded = try Study.load(folder) }),
                ("preprocess", { prepared = try Preprocessor()(loaded!) }),
                ("report PNGs", {
                    let labels = prepared!.uncrop(prepared!.labels ?? [UInt8](repeating: 0, count: prepared!.window.voxelCount))
                    _ = try ReportRenderer().write(ReportInput(study: loaded!, labels: labels), to: report)
                }),
            ]
            let g = try NIfTIReader().readHeader(path: folder.modalities[.t1]!).geometry
            print("study \(folder.id): \(g.dims.map(String.init).joined(separator: "x")) voxels, \(runs) runs")
            print("stage                                      min (s)  median (s)")
            for (name, body) in stages {
                var times: [Double] = []
                for _ in 0..<runs {
                    let start = Clock.now()
                    try body()
                    times.append(Clock.now() - start)
                }
                times.sort()
                let padded = name.padding(toLength: 40)
                print("\(padded)  \(format(times[0], 3).padding(toLength: 8, left: true))  \(format(times[times.count / 2], 3).padding(toLength: 10, left: true))")
            }
        }
    }
}

/// A scratch folder under /tmp, created on first use.
enum FileSystemScratch {
    static func folder(_ name: String) -> String {
        let path = "/tmp/\(name)"
        try? makeDirectories(path)
        return path
    }
}

extension String {
    func padding(toLength length: Int, left: Bool = false) -> String {
        let pad = String(repeating: " ", count: max(0, length - count))
        return left ? pad + self : self + pad
    }
}

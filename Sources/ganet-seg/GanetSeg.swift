import ArgumentParser
import CBuildInfo
import Pipeline

@main
struct GanetSeg: ParsableCommand {
    static let version = "0.1.0"

    /// Name, version and the commit the build was stamped with (none for an unstamped build).
    static let software: MetricsDocument.Software = {
        let commit = String(cString: ganet_seg_build_commit())
        return .init(name: "ganet-seg", version: version, commit: commit.isEmpty ? nil : commit)
    }()

    static let configuration = CommandConfiguration(
        commandName: "ganet-seg",
        abstract: "Brain-tumour segmentation of BraTS-format MRI studies (GANet-Seg).",
        discussion: """
            Exit status: 0 success, 64 bad command line, 65 bad input data (the message names the file \
            and the problem), 70 internal error, 74 output could not be written, 75 a condition that \
            may clear by itself (a lost GPU, out of memory: try again), 78 an unusable daemon \
            configuration.
            """,
        version: version,
        subcommands: [Synth.self, Info.self, Segment.self, Train.self, PretrainGAN.self, Evaluate.self, EvaluateSet.self,
                      EvaluateDetection.self, AverageWeights.self, Report.self, Bench.self, Devices.self, Watch.self, CheckConfig.self, Status.self])
}

import ArgumentParser

@main
struct GanetSeg: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "ganet-seg",
        abstract: "Brain-tumour segmentation of BraTS-format MRI studies (GANet-Seg).",
        discussion: """
            Exit status: 0 success, 64 bad command line, 65 bad input data (the message names the file \
            and the problem), 70 internal error, 74 output could not be written.
            """,
        version: version,
        subcommands: [Synth.self, Info.self, Segment.self, Train.self, PretrainGAN.self, Evaluate.self, EvaluateSet.self,
                      EvaluateDetection.self, Report.self, Bench.self, Devices.self, Watch.self, CheckConfig.self, Status.self])
}

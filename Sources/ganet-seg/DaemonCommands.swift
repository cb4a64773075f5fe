import ArgumentParser
import Compute
import FoundationEssentials
import Daemon
import Glibc
import Logging
import Pipeline
import Synchronization

/// sysexits' EX_CONFIG: the unit's RestartPreventExitStatus, so a bad config does not restart-loop.
private let configExitCode: Int32 = 78

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the inbox daemon: segment every study dropped into the inbox, publish to the outbox.",
        discussion: """
            Meant to run under systemd (Type=notify): logs go to the journal, READY=1, STATUS= and \
            WATCHDOG=1 are sent, SIGTERM stops cleanly (exit 0). Exit status 78: unusable configuration.
            """)

    @Option(help: "Config file (flat TOML; see config/ganet-seg.toml).")
    var config = "/etc/ganet-seg/ganet-seg.toml"

    func run() throws {
        let environment = processEnvironment()
        let settings: DaemonConfig
        do { settings = try DaemonConfig.load(path: config, environment: environment) } catch {
            reportConfigProblems(error.problems)
        }
        LoggingSystem.bootstrap(LogOutput.detect(environment: environment)
            .handlerFactory(identifier: "ganet-seg", level: settings.logLevel))
        // A model that is missing or does not load, or a device that cannot be opened, is a
        // configuration problem: exit 78 rather than have systemd restart into the same error.
        let modelProblems = settings.modelProblems()
        guard modelProblems.isEmpty else { reportConfigProblems(modelProblems) }
        let processor: any StudyProcessor
        do { processor = try makeProcessor(settings) } catch {
            reportConfigProblems([ConfigProblem("model \(settings.model) on device \(settings.device.rawValue): \(error)")])
        }
        let daemon = InboxDaemon(config: settings, processor: processor,
                                 software: "ganet-seg \(GanetSeg.version)", logger: Logger(label: "ganet-seg"),
                                 notifier: ServiceNotifier(environment: environment))
        do { try daemon.runUntilSignalled() } catch let error as ConfigError {
            reportConfigProblems(error.problems)
        }
    }

    /// The segmenter for `settings` (model, device, label convention, read limits), opened anew
    /// after a device failure.
    private func makeProcessor(_ settings: DaemonConfig) throws -> any StudyProcessor {
        var options = SegmenterOptions()
        options.outputConvention = settings.labelConvention
        options.minimumLesionVoxels = settings.minimumLesionVoxels
        options.minimumLesionFraction = settings.minimumLesionFraction
        options.readLimits = settings.readLimits
        options.softwareVersion = GanetSeg.version
        return try SegmenterProcessor {
            let backend = try Device(argument: settings.device.rawValue)!.makeBackend()
            let model = try SegmentationModel.load(path: settings.model, backend: backend)
            var options = options
            if !settings.gan.isEmpty {
                options.gan = try GANModel.load(path: settings.gan, backend: backend)
                options.anomalyThreshold = settings.anomalyThreshold
            }
            return Segmenter(model: model, options: options)
        }
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a daemon config file: syntax, keys, values, directories and the model file.",
        discussion: "Prints each problem on a line and exits 78, or prints OK and exits 0.")

    @Argument(help: "The config file.")
    var file: String

    func run() throws {
        let problems = DaemonConfig.check(path: file, environment: processEnvironment())
        guard problems.isEmpty else { reportConfigProblems(problems) }
        print("\(file): OK")
    }
}

private func reportConfigProblems(_ problems: [ConfigProblem]) -> Never {
    for problem in problems { FileHandleStderr.write("ganet-seg: config: \(problem)\n") }
    exit(configExitCode)
}

/// Runs the daemon's studies through a `Segmenter`. When its device fails (`DeviceFailure`, which
/// the daemon retries), the device and models are opened again for the studies that follow.
final class SegmenterProcessor: StudyProcessor, @unchecked Sendable {
    // Unchecked: `open` runs only from init and under a failure, and the segmenter is read and
    // replaced under the mutex. Workers share one Segmenter: its weights are only read during
    // inference, and each call builds its own graph and tensors.
    private let open: () throws -> Segmenter
    private let segmenter: Mutex<Segmenter>

    /// - Parameter open: makes the segmenter (backend, models); called now and after each device failure.
    init(open: @escaping () throws -> Segmenter) throws {
        self.open = open
        segmenter = Mutex(try open())
    }

    func process(studyAt input: String, into output: String,
                 progress: @Sendable (String) -> Void) throws -> ProcessingSummary {
        let segmenter = self.segmenter.withLock { $0 }
        var reported = ""
        let metrics: MetricsDocument
        do {
            metrics = try segmenter.segment(studyAt: input, into: output) { stage, fraction in
                let note = stage == .predict ? "predict \(Int(fraction * 100))%" : stage.rawValue
                if note != reported { progress(note); reported = note }
            }
        } catch let failure as DeviceFailure {
            // Reopen for the next attempt. If that fails too, the next study meets the failed device
            // again and the daemon keeps retrying within its limits; the error says so.
            try self.segmenter.withLock { current in
                do { current = try open() } catch {
                    throw DeviceFailure(device: failure.device, reason: "\(failure.reason); reopening it failed: \(error)")
                }
            }
            throw failure
        }
        let stages = Segmenter.Stage.allCases.compactMap { stage in
            metrics.timingsMS[stage.rawValue].map { (stage: stage.rawValue, milliseconds: Int($0)) }
        }
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: output)) ?? []
        return ProcessingSummary(studyID: metrics.studyID, files: files.sorted(), stageMilliseconds: stages)
    }
}

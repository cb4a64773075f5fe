import Compute
import Devices
import FoundationEssentials
import Pipeline
import Platform
import Synchronization

/// What `SegmenterProcessor` runs a study through: the `Segmenter`, or a stand-in in tests.
public protocol StudySegmenting {
    func segment(studyAt studyPath: String, into output: String,
                 progress: (Segmenter.Stage, Double) -> Void) throws -> MetricsDocument
}

extension Segmenter: StudySegmenting {}

/// Runs the daemon's studies through a segmenter. When its device fails (`DeviceFailure`, which
/// the daemon retries), the device and models are opened again for the studies that follow.
public final class SegmenterProcessor: StudyProcessor, @unchecked Sendable {
    // Unchecked: `open` runs only from init and under a failure, and the segmenter is read and
    // replaced under the mutex. Workers share one segmenter: its weights are only read during
    // inference, and each call builds its own graph and tensors.
    private let open: () throws -> any StudySegmenting
    private let segmenter: Mutex<any StudySegmenting>

    /// - Parameter open: makes the segmenter (backend, models); called now and after each device failure.
    public init(open: @escaping () throws -> any StudySegmenting) throws {
        self.open = open
        segmenter = Mutex(try open())
    }

    /// The processor for the daemon's settings: the model (and GAN) of `config` on its device, with
    /// the Vulkan options of `environment`.
    public convenience init(config: DaemonConfig, software: MetricsDocument.Software, environment: [String: String]) throws {
        var options = SegmenterOptions()
        options.outputConvention = config.labelConvention
        options.postprocessing = config.postprocessing
        options.readLimits = config.readLimits
        options.software = software
        try self.init {
            let backend = try config.device.makeBackend(environment: environment)
            let model = try SegmentationModel.load(path: config.model, backend: backend)
            var options = options
            if !config.gan.isEmpty {
                options.gan = try GANModel.load(path: config.gan, backend: backend)
                options.anomalyThreshold = config.anomalyThreshold
                options.anomalyMethod = config.anomalyMethod
            }
            return Segmenter(model: model, options: options)
        }
    }

    public func process(studyAt input: String, into output: String,
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

import Devices
import Glibc
import Logging
import Metrics
import Pipeline
import Platform
import Volumes

/// The daemon's settings, read from a flat TOML file (see config/ganet-seg.toml for the documented
/// defaults) with the spool directories overridable from the environment.
public struct DaemonConfig: Sendable, Equatable {
    /// What happens to a study's input once its outputs are published.
    public enum InputRetention: String, Sendable, CaseIterable { case archive, delete }

    public var inbox = "/var/lib/ganet-seg/inbox"
    public var work = "/var/lib/ganet-seg/work"
    public var outbox = "/var/lib/ganet-seg/outbox"
    public var failed = "/var/lib/ganet-seg/failed"
    public var archive = "/var/lib/ganet-seg/archive"
    public var model = "/usr/share/ganet-seg/models/ganet-seg-unet.safetensors"
    /// The GAN module: a pre-trained GAN (`ganet-seg pretrain-gan`) for the anomaly map and
    /// scores, or "" for none.
    public var gan = ""
    /// Study-level detection threshold on the anomaly score (with `gan`).
    public var anomalyThreshold = SegmenterOptions.defaultAnomalyThreshold
    /// How the GAN makes the anomaly map (with `gan`): the discriminator's or the inpainting residual.
    public var anomalyMethod = AnomalyMethod.discriminator
    /// Compute device, spelt as the CLI's `--device`: `auto`, `cpu`, `gpu`, `vulkan` or `vulkan:N`.
    public var device = DeviceSelection.auto
    /// Quiet time after the last change before a study copied in file by file is considered.
    public var settleSeconds = 5.0
    /// A file whose appearance inside a study folder marks it complete at once.
    public var marker = "READY"
    /// Quiet time after which a study that never became readable is processed anyway (to fail it).
    public var incompleteTimeoutSeconds = 3600.0
    /// Full rescan of the inbox every so often; 0 turns it off (inotify alone).
    public var rescanIntervalSeconds = 0.0
    public var inputRetention = InputRetention.archive
    /// The label values written for enhancing tumour: 4 (BraTS 2020) or 3 (BraTS 2023).
    public var labelConvention = LabelConvention.brats2020
    /// The post-processing rules' settings (see `PostprocessingOptions`).
    public var postprocessing = PostprocessingOptions()
    /// Cap on the regular files of one study folder, checked before anything is read.
    public var maxStudyBytes = 4 << 30
    /// Cap on one volume's voxel count, checked from its header.
    public var maxVoxels = 512 * 512 * 512
    /// Time one study may take before the worker counts as hung (the watchdog then stops).
    public var studyTimeoutSeconds = 1800.0
    /// Attempts per study before a transient failure becomes final.
    public var maxAttempts = 3
    /// Wait before the first retry; doubled for each further one.
    public var retryBackoffSeconds = 30.0
    /// How long a stop request waits for the studies in progress before abandoning them.
    public var shutdownGraceSeconds = 20.0
    public var logLevel = Logger.Level.info
    /// Studies processed at the same time, one worker thread each.
    public var concurrency = 1

    public init() {}

    /// Per-file read limits for the processor, from `maxVoxels` and `maxStudyBytes`.
    public var readLimits: ReadLimits { ReadLimits(maxVoxels: maxVoxels, maxBytes: maxStudyBytes) }

    /// The spool directories with their config key names, in data-flow order.
    public var directories: [(key: String, path: String)] {
        [("inbox", inbox), ("work", work), ("outbox", outbox), ("failed", failed), ("archive", archive)]
    }

    /// Reads `text` over the defaults, then applies GANET_SEG_<DIRECTORY> overrides from
    /// `environment`. Returns the config and every problem found (empty when it is usable).
    public static func parse(_ text: String, environment: [String: String] = [:]) -> (DaemonConfig, [ConfigProblem]) {
        var config = DaemonConfig()
        var (entries, problems) = FlatTOML.parse(text)
        for entry in entries {
            guard let key = ConfigKey.all.first(where: { $0.name == entry.key }) else {
                let hint = ConfigKey.closest(to: entry.key).map { " (did you mean '\($0)'?)" } ?? ""
                problems.append(ConfigProblem(line: entry.line, "unknown key '\(entry.key)'\(hint)"))
                continue
            }
            if let message = key.apply(&config, entry.value) {
                problems.append(ConfigProblem(line: entry.line, "\(entry.key): \(message)"))
            }
        }
        for key in ConfigKey.directories {
            let variable = "GANET_SEG_" + key.name.uppercased()
            guard let value = environment[variable] else { continue }
            if let message = key.apply(&config, .string(value)) {
                problems.append(ConfigProblem("\(variable): \(message)"))
            }
        }
        return (config, problems)
    }

    /// Reads and parses the file at `path` (see `parse`); throws `ConfigError` listing every problem.
    public static func load(path: String, environment: [String: String]) throws(ConfigError) -> DaemonConfig {
        let text: String
        do { text = try readConfigFile(path) } catch { throw ConfigError(problems: [error]) }
        let (config, problems) = parse(text, environment: environment)
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        return config
    }

    /// Everything `ganet-seg check-config` reports for the file at `path`: syntax, unknown keys,
    /// values, then the directories, and the model on disk loaded as the daemon would load it. Empty when the daemon can start.
    public static func check(path: String, environment: [String: String]) -> [ConfigProblem] {
        let text: String
        do { text = try readConfigFile(path) } catch { return [error] }
        let (config, problems) = parse(text, environment: environment)
        return problems + config.directoryProblems() + config.modelProblems(loading: true)
    }
}

/// One thing wrong with the configuration, in words that say what and where.
public struct ConfigProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// Line in the config file, when the problem comes from one.
    public var line: Int?
    public var message: String

    public init(line: Int? = nil, _ message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { line.map { "line \($0): \(message)" } ?? message }
}

extension DaemonConfig {
    /// The settings a reload applies (model, GAN, device, label convention, post-processing, read
    /// limits); every other setting takes effect at the next start.
    public func differsOutsideProcessing(from other: DaemonConfig) -> Bool {
        var other = other
        other.model = model
        other.gan = gan
        other.anomalyThreshold = anomalyThreshold
        other.anomalyMethod = anomalyMethod
        other.device = device
        other.labelConvention = labelConvention
        other.postprocessing = postprocessing
        other.maxVoxels = maxVoxels
        other.maxStudyBytes = maxStudyBytes
        return other != self
    }
}

/// A configuration the daemon cannot start with.
public struct ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]
    public var description: String { problems.map(\.description).joined(separator: "; ") }

    public init(problems: [ConfigProblem]) { self.problems = problems }
}

private func readConfigFile(_ path: String) throws(ConfigProblem) -> String {
    let limit = 64 << 10
    // stat follows a link: what matters is what would be read (a link to a FIFO would block).
    var st = stat()
    guard stat(path, &st) == 0 else {
        throw ConfigProblem("\(path): \(String(cString: strerror(errno)))")
    }
    guard (st.st_mode & S_IFMT) == S_IFREG else {
        throw ConfigProblem("\(path): not a regular file")
    }
    guard let bytes = FileSystem.readSmallFile(path, limit: limit + 1, followLinks: true) else {
        throw ConfigProblem("\(path): cannot read: \(String(cString: strerror(errno)))")
    }
    guard bytes.count <= limit else { throw ConfigProblem("\(path): larger than \(limit) bytes") }
    guard let text = String(validating: bytes, as: UTF8.self) else { throw ConfigProblem("\(path): not UTF-8 text") }
    return text
}

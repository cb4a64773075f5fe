import ArgumentParser
import FoundationEssentials
import Daemon
import Glibc
import Logging
import Pipeline
import Platform

/// sysexits' EX_CONFIG: the unit's RestartPreventExitStatus, so a bad config does not restart-loop.
private let configExitCode: Int32 = 78

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the inbox daemon: segment every study dropped into the inbox, publish to the outbox.",
        discussion: """
            Meant to run under systemd (Type=notify): logs go to the journal, READY=1, STATUS= and \
            WATCHDOG=1 are sent, SIGTERM stops cleanly (exit 0). SIGHUP (systemctl reload) reads the \
            config again and applies its model, GAN, device and post-processing to the studies that \
            start from then on; other settings need a restart. Exit status 78: unusable configuration \
            (no restart); 75: the inbox was removed, moved or unmounted (systemd restarts the service).
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
        do {
            processor = try SegmenterProcessor(config: settings, software: GanetSeg.software, environment: environment)
        } catch {
            reportConfigProblems([ConfigProblem("model \(settings.model) on device \(settings.device): \(error)")])
        }
        let logger = Logger(label: "ganet-seg")
        let daemon = InboxDaemon(config: settings, processor: processor,
                                 software: GanetSeg.software.description, logger: logger,
                                 notifier: ServiceNotifier(environment: environment)) { [config] in
            let fresh = try DaemonConfig.load(path: config, environment: environment)
            let problems = fresh.modelProblems()
            guard problems.isEmpty else { throw ConfigError(problems: problems) }
            if fresh.differsOutsideProcessing(from: settings) {
                logger.warning("reload: settings other than the model, GAN, device and post-processing take effect at the next restart")
            }
            logger.notice("reload: model \(fresh.model) on device \(fresh.device)")
            return try SegmenterProcessor(config: fresh, software: GanetSeg.software, environment: environment)
        }
        do { try daemon.runUntilSignalled() } catch let error as ConfigError {
            reportConfigProblems(error.problems)
        } catch let error as WatcherStopped {
            FileHandleStderr.write("ganet-seg: \(error)\n")
            Glibc.exit(FailureCategory(of: error).exitCode)
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

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a daemon's spool: whether a daemon runs on it, the studies waiting, in progress, published and failed.",
        discussion: """
            Reads the spool's folders only (nothing is locked or moved, so it is safe beside a running \
            daemon). The newest failures are listed with their time, category and reason from \
            error.json; the daemon's own state (current study, stage) is in `systemctl status ganet-seg`.
            """)

    @Option(help: "Config file (flat TOML; see config/ganet-seg.toml).")
    var config = "/etc/ganet-seg/ganet-seg.toml"

    @Option(help: "Failures to list, newest first.")
    var failures = 5

    func run() throws {
        let settings: DaemonConfig
        do { settings = try DaemonConfig.load(path: config, environment: processEnvironment()) } catch {
            reportConfigProblems(error.problems)
        }
        print(SpoolSummary(config: settings).text(failures: failures))
    }
}

private func reportConfigProblems(_ problems: [ConfigProblem]) -> Never {
    for problem in problems { FileHandleStderr.write("ganet-seg: config: \(problem)\n") }
    exit(configExitCode)
}

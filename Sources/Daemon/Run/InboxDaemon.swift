import Logging
import Platform
import Synchronization

/// The inbox daemon: recovers what a previous run left, watches the inbox, runs studies through a
/// `StudyProcessor` on worker threads, publishes or fails them, and keeps systemd informed
/// (READY=1, STATUS=, WATCHDOG=1, RELOADING=1, STOPPING=1).
///
/// ```swift
/// let daemon = InboxDaemon(config: config, processor: segmenter, software: "ganet-seg 1.0",
///                          logger: logger, notifier: ServiceNotifier(environment: env))
/// try daemon.runUntilSignalled()   // returns after SIGTERM/SIGINT
/// ```
public final class InboxDaemon: Sendable {
    private let config: DaemonConfig
    private let spool: Spool
    private let logger: Logger
    private let notifier: ServiceNotifier
    private let queue = JobQueue()
    private let status: DaemonStatus
    private let inFlight = InFlight()
    private let runner: StudyRunner
    private let processors: ProcessorSlot
    private let makeProcessor: MakeProcessor?
    private let stopRequested = Condition(false)
    private let watcherFailed = Mutex(false)

    /// Idle workers check in this often; the supervisor ticks at least this often.
    private static let tickSeconds = 0.5

    /// Makes the processor anew for `reload` (the config file read again); throws to keep the running one.
    public typealias MakeProcessor = @Sendable () throws -> any StudyProcessor

    /// - Parameters:
    ///   - software: name and version written into error.json ("ganet-seg 0.1.0").
    ///   - notifier: where sd_notify messages go; `ServiceNotifier(environment:)` under systemd.
    ///   - makeProcessor: what `reload` (SIGHUP, `systemctl reload`) builds the next processor with;
    ///     without it a reload only logs that it has nothing to do.
    public init(config: DaemonConfig, processor: any StudyProcessor, software: String, logger: Logger,
                notifier: ServiceNotifier, makeProcessor: MakeProcessor? = nil) {
        self.config = config
        spool = Spool(config)
        self.logger = logger
        self.notifier = notifier
        self.makeProcessor = makeProcessor
        status = DaemonStatus(workers: config.concurrency)
        processors = ProcessorSlot(processor)
        runner = StudyRunner(config: config, spool: spool, processors: processors, software: software, queue: queue,
                             status: status, inFlight: inFlight, logger: logger)
    }

    /// Builds a new processor and runs every study that starts from now on through it (what
    /// `systemctl reload` does: a changed model, GAN, device or post-processing without a restart).
    /// Studies in progress finish with the processor they started with; nothing is dropped. When
    /// the new processor cannot be made (a model that does not load), the running one stays and
    /// the error is logged. Callable from any thread.
    public func reload() {
        guard let makeProcessor else { return logger.notice("reload: nothing to reload") }
        notifier.send(["RELOADING=1", "MONOTONIC_USEC=\(Int(monotonicSeconds() * 1_000_000))", "STATUS=reloading"])
        defer { notifier.send(["READY=1", "STATUS=" + statusLine()]) }
        do {
            processors.replace(with: try makeProcessor())
            logger.notice("reloaded: studies from now on use the new configuration")
        } catch {
            logger.error("reload failed; the running configuration stays: \(error)")
        }
    }

    /// Runs until `requestStop`: checks the directories, recovers studies left in work/, starts the
    /// watcher and the workers, sends READY=1, then supervises. On stop, studies in progress get
    /// `shutdownGraceSeconds` to finish; the rest are abandoned (outputs discarded, inputs back in
    /// the inbox). Throws when it cannot start (`ConfigError`: bad directories, or another daemon
    /// on the same work/), and after stopping because the watcher died (`WatcherStopped`), so that
    /// systemd restarts the service.
    public func run() throws {
        let problems = config.directoryProblems()
        guard problems.isEmpty else { throw ConfigError(problems: problems) }
        let lock = try SpoolLock(work: config.work)
        defer { lock.release() }
        try recover()
        let watcher = try InboxWatcher(settings: watcherSettings, logger: logger)
        let watcherThread = watcher.start(
            onReady: { [queue] name in queue.add(JobQueue.Job(name: name, origin: .inbox)) },
            onFailure: { [self] in
                watcherFailed.withLock { $0 = true }
                requestStop()
            })
        for worker in 0..<config.concurrency {
            _ = DedicatedThread { [self] in workLoop(worker) }
        }
        logger.info("watching \(config.inbox)", metadata: ["workers": "\(config.concurrency)"])
        notifier.send(["READY=1", "STATUS=" + statusLine()])
        supervise()
        notifier.send(["STOPPING=1", "STATUS=stopping"])
        watcher.stop()
        watcherThread.join()
        queue.close()
        shutDownWorkers()
        if watcherFailed.withLock({ $0 }) { throw WatcherStopped(inbox: config.inbox) }
    }

    /// Asks `run` to stop taking work and return (what SIGTERM does); callable from any thread.
    public func requestStop() { stopRequested.withLock { $0 = true } }

    private var watcherSettings: InboxWatcher.Settings {
        InboxWatcher.Settings(
            inbox: config.inbox, settleSeconds: config.settleSeconds,
            incompleteTimeoutSeconds: config.incompleteTimeoutSeconds,
            rescanIntervalSeconds: config.rescanIntervalSeconds,
            completeness: StudyCompleteness(marker: config.marker, reader: .init(limits: config.readLimits),
                                            quietSeconds: config.settleSeconds))
    }

    /// Studies a crash left in work/ are queued again; those already published are only archived
    /// (see `StudyRunner`).
    private func recover() throws {
        for name in try spool.recover() {
            queue.add(JobQueue.Job(name: name, origin: .work))
            logger.notice("recovered from work/", metadata: [LogKey.studyID: "\(name)"])
        }
    }

    private func workLoop(_ worker: Int) {
        while true {
            status.beat(worker)
            switch queue.next(until: monotonicSeconds() + Self.tickSeconds) {
            case .closed: return
            case .idle: continue
            case .job(let job): runner.run(job, worker: worker)
            }
        }
    }

    /// Until a stop is requested: STATUS= when it changes, WATCHDOG=1 while the workers are alive
    /// (a hung worker lets systemd's watchdog restart the service; a dead watcher stops `run`).
    private func supervise() {
        let tick = min(Self.tickSeconds, (notifier.watchdogSeconds ?? .infinity) / 4)
        var lastStatus = ""
        var reportedHang = false
        while stopRequested.wait(until: monotonicSeconds() + tick, { $0 ? true : nil }) == nil {
            var fields: [String] = []
            let line = statusLine()
            if line != lastStatus {
                fields.append("STATUS=" + line)
                lastStatus = line
            }
            let alive = status.workersAlive(idleLimit: 30, studyTimeout: config.studyTimeoutSeconds)
            if alive, notifier.watchdogSeconds != nil { fields.append("WATCHDOG=1") }
            if !alive && !reportedHang { logger.critical("a worker is hung; withholding the watchdog") }
            reportedHang = !alive
            notifier.send(fields)
        }
    }

    /// Gives studies in progress the grace period, then abandons the rest cleanly.
    private func shutDownWorkers() {
        if inFlight.waitUntilEmpty(deadline: monotonicSeconds() + config.shutdownGraceSeconds) { return }
        inFlight.abandonProcessing { study in
            spool.discard(study.temporary)
            if spool.returnToInbox(study.input, name: study.name) {
                spool.clearRecords(study.name)
                logger.notice("abandoned at shutdown; returned to the inbox", metadata: [LogKey.studyID: "\(study.name)"])
            } else {
                logger.notice("abandoned at shutdown; left in work/ for the next start", metadata: [LogKey.studyID: "\(study.name)"])
            }
        }
        // Studies already publishing take a few renames.
        _ = inFlight.waitUntilEmpty(deadline: monotonicSeconds() + 10)
    }

    private func statusLine() -> String { status.line(waiting: queue.counts.waiting) }
}

/// The inbox watcher died (see the log's critical line); the daemon stopped so that systemd restarts
/// it. Transient: `watch` exits 75, and a restart watches the inbox again once it is back.
public struct WatcherStopped: CategorizedError {
    public var inbox: String
    public var description: String { "stopped: the watcher of \(inbox) died (removed, moved or unmounted?)" }
    public var category: FailureCategory { .transient }
    public var stage: String { "watch" }
}

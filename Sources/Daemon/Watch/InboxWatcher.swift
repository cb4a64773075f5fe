import Glibc
import Logging
import Platform

/// Watches the inbox with inotify on a thread of its own and reports each study folder once it is
/// complete: at once when moved in whole (from outside the inbox or from a hidden name in it) or
/// when its marker file appears; otherwise once it has been quiet for the settle time and reads
/// completely (or has stayed incomplete for the incomplete timeout, so that processing can reject
/// it). A visible folder renamed inside the inbox ("New folder" renamed by a file manager) is still
/// being filled, not moved in whole. Hidden entries are ignored; other files get one warning.
final class InboxWatcher: Sendable {
    struct Settings: Sendable {
        var inbox: String
        var settleSeconds: Double
        var incompleteTimeoutSeconds: Double
        /// 0: no periodic rescan.
        var rescanIntervalSeconds: Double
        var completeness: StudyCompleteness
    }

    private let settings: Settings
    private let logger: Logger
    private let wake: WakeSignal
    private let inotify: UnsafeTransfer<Inotify>
    private let inboxWatch: Int32

    /// Watches the inbox now, so nothing that arrives after `init` returns is missed.
    init(settings: Settings, logger: Logger) throws {
        self.settings = settings
        self.logger = logger
        wake = try WakeSignal()
        let inotify = try Inotify()
        inboxWatch = try inotify.addWatch(settings.inbox, mask: WatchLoop.inboxMask)
        self.inotify = UnsafeTransfer(inotify)
    }

    /// Scans the inbox, then runs the watch loop on a new thread until `stop`; `onReady` receives
    /// the name of each complete study folder (possibly more than once: claiming is idempotent).
    /// `onFailure` runs if the loop dies of an error, or loses the inbox, before `stop`.
    func start(onReady: @escaping @Sendable (String) -> Void, onFailure: @escaping @Sendable () -> Void) -> DedicatedThread {
        DedicatedThread { [settings, logger, wake, inotify, inboxWatch] in
            var loop = WatchLoop(settings: settings, inotify: inotify.value, inboxWatch: inboxWatch, logger: logger,
                                 onReady: onReady)
            if !loop.run(wake: wake) { onFailure() }
        }
    }

    func stop() { wake.signal() }
}

/// Moves a non-Sendable value to the one thread that will use it from then on.
struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}

/// The watcher's state, owned by its thread.
private struct WatchLoop {
    static let inboxMask = IN_MOVED_TO | IN_CREATE | IN_MOVED_FROM | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR
    static let studyMask = IN_CREATE | IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB

    /// A study folder seen but not yet complete.
    struct Candidate {
        var watch: Int32?
        var lastActivity: Double
        var lastChecked = -Double.infinity
        /// What the last check found missing, logged when it changes.
        var missing: String?
    }

    let settings: InboxWatcher.Settings
    let inotify: Inotify
    let inboxWatch: Int32
    let logger: Logger
    let onReady: @Sendable (String) -> Void
    var candidates: [String: Candidate] = [:]
    var watchNames: [Int32: String] = [:]
    var nextRescan = Double.infinity
    /// Cookies of visible folders just renamed away inside the inbox, with when: the IN_MOVED_TO
    /// that follows with the same cookie is a rename, not a folder moved in whole.
    var renamedAway: [UInt32: Double] = [:]
    /// Files (not folders) in the inbox already warned about.
    var strays: Set<String> = []

    init(settings: InboxWatcher.Settings, inotify: Inotify, inboxWatch: Int32, logger: Logger,
         onReady: @escaping @Sendable (String) -> Void) {
        self.settings = settings
        self.inotify = inotify
        self.inboxWatch = inboxWatch
        self.logger = logger
        self.onReady = onReady
    }

    /// Watches until woken (true) or until an error stops it (false).
    mutating func run(wake: WakeSignal) -> Bool {
        rescan()
        while true {
            var fds = [pollfd(fd: inotify.descriptor, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0)]
            let timeout = nextDeadline().map { max(0, Int32(min(($0 - monotonicSeconds()) * 1000, 60_000).rounded(.up))) } ?? 60_000
            if poll(&fds, 2, timeout) < 0 && errno != EINTR {
                logger.critical("inbox watcher stopped: \(SystemError("poll", settings.inbox))")
                return false
            }
            if fds[1].revents != 0 { return true }
            do {
                for event in try inotify.drain() where !handle(event) { return false }
            } catch {
                logger.critical("inbox watcher stopped: \(error)")
                return false
            }
            checkCandidates()
            if monotonicSeconds() >= nextRescan { rescan() }
        }
    }

    private func nextDeadline() -> Double? {
        let checks = candidates.values.map { max($0.lastActivity, $0.lastChecked) + settings.settleSeconds }
        return (checks + [nextRescan]).min().flatMap { $0.isFinite ? $0 : nil }
    }

    /// False when the inbox itself is gone: removed, moved or unmounted (the watch would follow
    /// nothing, or another folder than the one configured).
    private mutating func handle(_ event: Inotify.Event) -> Bool {
        if event.has(IN_Q_OVERFLOW) {
            logger.warning("inotify queue overflowed; rescanning the inbox")
            rescan()
            return true
        }
        if event.watch == inboxWatch && (event.has(IN_DELETE_SELF) || event.has(IN_MOVE_SELF) || event.has(IN_UNMOUNT)
                                         || event.has(IN_IGNORED)) {
            logger.critical("inbox watcher stopped: \(settings.inbox) was removed, moved or unmounted")
            return false
        }
        if event.has(IN_IGNORED) {
            watchNames[event.watch] = nil
            return true
        }
        if let study = watchNames[event.watch] {
            guard candidates[study] != nil else { return true }
            let arrived = event.has(IN_CREATE) || event.has(IN_MOVED_TO) || event.has(IN_CLOSE_WRITE)
            if arrived && event.name == settings.completeness.marker {
                ready(study, why: "marker file")
            } else {
                candidates[study]?.lastActivity = monotonicSeconds()
            }
            return true
        }
        let name = event.name
        guard !name.isEmpty, !name.hasPrefix(".") else { return true }
        let arrived = event.has(IN_MOVED_TO) || event.has(IN_CREATE)
        guard event.has(IN_ISDIR) else {
            if arrived { warnStray(name) } else { strays.remove(name) }
            return true
        }
        let now = monotonicSeconds()
        renamedAway = renamedAway.filter { now - $0.value < 10 }
        if event.has(IN_MOVED_TO) && renamedAway.removeValue(forKey: event.cookie) == nil {
            ready(name, why: "moved in whole")
        } else if arrived {
            track(name, lastActivity: now)
        } else {
            if event.has(IN_MOVED_FROM) { renamedAway[event.cookie] = now }
            forget(name)
        }
        return true
    }

    /// Logs once that `name` in the inbox is not a folder, so it will never be processed.
    private mutating func warnStray(_ name: String) {
        guard strays.insert(name).inserted else { return }
        logger.warning("\(settings.inbox)/\(name) is not a folder and is ignored: a study is a folder of NIfTI files")
    }

    /// Starts following a folder being filled in place; checks for a marker already there.
    private mutating func track(_ name: String, lastActivity: Double) {
        guard candidates[name] == nil else { return }
        let path = settings.inbox + "/" + name
        var candidate = Candidate(lastActivity: lastActivity)
        do {
            let watch = try inotify.addWatch(path, mask: Self.studyMask | IN_ONLYDIR)
            watchNames[watch] = name
            candidate.watch = watch
        } catch {
            // Gone already (claimed or removed), or out of watches: the settle check still runs.
            guard FileSystem.isDirectory(path) else { return }
            logger.warning("cannot watch \(path): \(error); relying on the settle time")
        }
        candidates[name] = candidate
        if settings.completeness.hasMarker(path) { ready(name, why: "marker file") }
    }

    private mutating func forget(_ name: String) {
        guard let candidate = candidates.removeValue(forKey: name) else { return }
        if let watch = candidate.watch {
            inotify.removeWatch(watch)
            watchNames[watch] = nil
        }
    }

    private mutating func ready(_ name: String, why: String) {
        forget(name)
        logger.debug("study complete (\(why))", metadata: [LogKey.studyID: "\(name)"])
        onReady(name)
    }

    /// Candidates quiet for the settle time are checked (at most once per settle period, since a
    /// check reads the volumes); complete ones, and ones quiet past the incomplete timeout, are ready.
    private mutating func checkCandidates() {
        let now = monotonicSeconds()
        for (name, candidate) in candidates
        where now - candidate.lastActivity >= settings.settleSeconds && now - candidate.lastChecked >= settings.settleSeconds {
            guard let missing = settings.completeness.missing(settings.inbox + "/" + name) else {
                ready(name, why: "settled")
                continue
            }
            if now - candidate.lastActivity >= settings.incompleteTimeoutSeconds {
                ready(name, why: "incomplete for \(Int(settings.incompleteTimeoutSeconds)) s")
                continue
            }
            if missing != candidate.missing {
                logger.notice("waiting for the study to be complete: \(missing)", metadata: [LogKey.studyID: "\(name)"])
            }
            candidates[name]?.lastChecked = now
            candidates[name]?.missing = missing
        }
    }

    /// Looks at every folder in the inbox (start-up, overflow, periodic): each not yet followed is
    /// followed, its last activity taken from the newest change time inside it.
    private mutating func rescan() {
        if settings.rescanIntervalSeconds > 0 { nextRescan = monotonicSeconds() + settings.rescanIntervalSeconds }
        let names: [String]
        do { names = try FileSystem.list(settings.inbox) } catch {
            logger.error("cannot scan the inbox: \(error)")
            return
        }
        for name in names where !name.hasPrefix(".") && candidates[name] == nil {
            let path = settings.inbox + "/" + name
            guard FileSystem.isDirectory(path) else {
                warnStray(name)
                continue
            }
            let age = max(0, wallClockSeconds() - StudyCompleteness.lastChange(path))
            track(name, lastActivity: monotonicSeconds() - age)
        }
        checkCandidates()
    }
}

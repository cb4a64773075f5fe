import Platform
import Synchronization

/// What the workers are doing and what they have done: the source of STATUS= and of the watchdog's
/// liveness check.
final class DaemonStatus: Sendable {
    private struct Worker {
        var lastBeat: Double
        var study: String?
        var busySince: Double?
        var progress: String?
    }

    private struct State {
        var workers: [Worker]
        var published = 0
        var failed = 0
        var retried = 0
        /// Why the last output failed, until a study is published again.
        var outputProblem: String?
    }

    enum Outcome { case published, failed, retried }

    private let state: Mutex<State>

    init(workers: Int) {
        state = Mutex(State(workers: Array(repeating: Worker(lastBeat: monotonicSeconds()), count: workers)))
    }

    /// An idle worker's "still here".
    func beat(_ worker: Int) { state.withLock { $0.workers[worker].lastBeat = monotonicSeconds() } }

    func begin(_ worker: Int, study: String) {
        state.withLock { s in
            let now = monotonicSeconds()
            s.workers[worker] = Worker(lastBeat: now, study: study, busySince: now)
        }
    }

    func progress(_ worker: Int, _ note: String) {
        state.withLock { s in
            s.workers[worker].progress = note
            s.workers[worker].lastBeat = monotonicSeconds()
        }
    }

    func end(_ worker: Int, _ outcome: Outcome?) {
        state.withLock { s in
            s.workers[worker] = Worker(lastBeat: monotonicSeconds())
            switch outcome {
            case .published:
                s.published += 1
                s.outputProblem = nil
            case .failed: s.failed += 1
            case .retried: s.retried += 1
            case nil: break
            }
        }
    }

    /// Records that outputs cannot be written (shown in STATUS= until the next publish).
    func outputNotWritable(_ detail: String) { state.withLock { $0.outputProblem = detail } }

    /// True when every worker is either idle with a heartbeat within `idleLimit` seconds, or busy on
    /// one study for less than `studyTimeout` seconds: a hung worker stops the watchdog, so systemd
    /// restarts the service.
    func workersAlive(idleLimit: Double, studyTimeout: Double) -> Bool {
        let now = monotonicSeconds()
        return state.withLock { s in
            s.workers.allSatisfy { w in
                w.busySince.map { now - $0 < studyTimeout } ?? (now - w.lastBeat < idleLimit)
            }
        }
    }

    /// One line for STATUS=: current studies with progress, then the counts.
    func line(waiting: Int) -> String {
        state.withLock { s in
            let busy = s.workers.compactMap { w in w.study.map { study in w.progress.map { "\(study) (\($0))" } ?? study } }
            let activity = busy.isEmpty ? "idle" : "processing " + busy.joined(separator: ", ")
            let counts = "\(activity); \(waiting) waiting, \(s.published) published, \(s.failed) failed, \(s.retried) retried"
            return s.outputProblem.map { "output not writable, studies kept queued: \($0); " + counts } ?? counts
        }
    }
}

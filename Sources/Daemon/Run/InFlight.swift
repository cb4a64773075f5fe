import Platform

/// The studies workers hold right now, so that a stop can abandon them cleanly: a study is either
/// still processing (and may be abandoned: outputs discarded, input back to the inbox) or being
/// published or failed (a few renames, always allowed to finish). The two never overlap.
final class InFlight: Sendable {
    struct Study: Sendable {
        var name: String
        var input: String
        var temporary: String
        var publishing = false
    }

    private let studies = Condition<[Int: Study]>([:])

    func begin(_ worker: Int, _ study: Study) { studies.withLock { $0[worker] = study } }

    func end(_ worker: Int) { studies.withLock { $0[worker] = nil } }

    /// Moves the worker's study to publishing; false when it has been abandoned meanwhile.
    func startPublishing(_ worker: Int) -> Bool {
        studies.withLock { s in
            guard s[worker] != nil else { return false }
            s[worker]!.publishing = true
            return true
        }
    }

    /// Takes every study still processing out of the workers' hands; `abandon` runs on each under
    /// the lock, so no worker can start publishing it.
    func abandonProcessing(_ abandon: (Study) -> Void) {
        studies.withLock { s in
            for (worker, study) in s where !study.publishing {
                abandon(study)
                s[worker] = nil
            }
        }
    }

    /// Waits until no study is held or `deadline` passes; true when none is.
    func waitUntilEmpty(deadline: Double) -> Bool {
        studies.wait(until: deadline) { $0.isEmpty ? true : nil } ?? false
    }

}

import Glibc
import Platform

/// An exclusive lock (flock) on the work/ directory itself for as long as a daemon runs: a second
/// daemon on the same spool would delete the first one's temporary outputs and process its studies
/// again. No file is left behind; the kernel releases the lock when the process exits, however it
/// exits.
final class SpoolLock {
    private let descriptor: Int32

    /// Takes the lock, or throws `ConfigError` saying who holds it or why it cannot be taken.
    init(work: String) throws(ConfigError) {
        let fd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw ConfigError(problems: [ConfigProblem("work: \(SystemError("open", work))")]) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            close(fd)
            throw ConfigError(problems: [ConfigProblem(code == EWOULDBLOCK
                ? "work: another ganet-seg daemon is running on \(work) (it holds the directory's lock)"
                : "work: \(SystemError("flock", work, code: code))")])
        }
        descriptor = fd
    }

    func release() { close(descriptor) }
}

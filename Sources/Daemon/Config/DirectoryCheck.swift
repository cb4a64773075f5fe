import CLinux
import Compute
import Glibc
import Pipeline

extension DaemonConfig {
    /// The spool directories the daemon needs, checked on disk: present, directories, writable,
    /// distinct, and on one filesystem wherever a study moves between them by rename.
    public func directoryProblems() -> [ConfigProblem] {
        var problems: [ConfigProblem] = []
        var found: [(key: String, path: String, st: stat)] = []
        for (key, path) in usedDirectories {
            var st = stat()
            guard stat(path, &st) == 0 else {
                problems.append(ConfigProblem("\(key): \(path): \(String(cString: strerror(errno)))"))
                continue
            }
            guard (st.st_mode & S_IFMT) == S_IFDIR else {
                problems.append(ConfigProblem("\(key): \(path) is not a directory"))
                continue
            }
            if access(path, W_OK | X_OK) != 0 {
                problems.append(ConfigProblem("\(key): \(path) is not writable by uid \(geteuid()) "
                    + "(owner uid \(st.st_uid), gid \(st.st_gid), mode \(String(st.st_mode & 0o7777, radix: 8)))"))
            }
            if let twin = found.first(where: { $0.st.st_dev == st.st_dev && $0.st.st_ino == st.st_ino }) {
                problems.append(ConfigProblem("\(twin.key) and \(key) are the same directory (\(path))"))
            }
            found.append((key, path, st))
        }
        for (from, to) in renames {
            guard let a = found.first(where: { $0.key == from }), let b = found.first(where: { $0.key == to }) else { continue }
            if a.st.st_dev != b.st.st_dev {
                problems.append(ConfigProblem(
                    "\(from) (\(a.path)) and \(to) (\(b.path)) are on different filesystems "
                    + "(device \(deviceName(a.st.st_dev)) vs \(deviceName(b.st.st_dev))): studies move from \(from) "
                    + "to \(to) by rename, which is atomic only within one filesystem"))
            } else if problems.isEmpty, let problem = renameProblem(from: (from, a.path), to: (to, b.path)) {
                problems.append(problem)
            }
        }
        return problems
    }

    /// Renames a probe folder from one spool directory to another, as a claim does. One device
    /// number is not enough: two bind mounts of one filesystem refuse renames between them (EXDEV),
    /// and NFS has no RENAME_NOREPLACE (EINVAL).
    private func renameProblem(from: (key: String, path: String), to: (key: String, path: String)) -> ConfigProblem? {
        let name = "/.ganet-seg-rename-probe-\(getpid())"
        for path in [from.path, to.path] { rmdir(path + name) }  // left by a check that was killed
        guard mkdir(from.path + name, 0o700) == 0 else {
            return ConfigProblem("\(from.key): cannot create a folder in \(from.path): \(String(cString: strerror(errno)))")
        }
        if clinux_rename_noreplace(from.path + name, to.path + name) == 0 {
            rmdir(to.path + name)
            return nil
        }
        let code = errno
        rmdir(from.path + name)
        let hint = switch code {
        case EXDEV: ": they are separate mounts (bind mounts?) of one filesystem; mount their common parent once"
        case EINVAL: ": the filesystem lacks renameat2 RENAME_NOREPLACE (NFS?); use a local filesystem"
        default: ""
        }
        return ConfigProblem("a folder cannot be renamed from \(from.key) (\(from.path)) to \(to.key) (\(to.path)): "
                             + String(cString: strerror(code)) + hint)
    }

    /// The model file (and the GAN's, when set): present, a regular file, readable; with `loading`,
    /// also a weights file of the right network (loaded on the CPU, as `check-config` does).
    public func modelProblems(loading: Bool = false) -> [ConfigProblem] {
        let files = Self.fileProblems("model", model) + (gan.isEmpty ? [] : Self.fileProblems("gan", gan))
        guard loading, files.isEmpty else { return files }
        let backend = CPUBackend()
        var problems: [ConfigProblem] = []
        do { _ = try SegmentationModel.load(path: model, backend: backend) } catch { problems.append(ConfigProblem("model: \(error)")) }
        if !gan.isEmpty {
            do { _ = try GANModel.load(path: gan, backend: backend) } catch { problems.append(ConfigProblem("gan: \(error)")) }
        }
        return problems
    }

    private static func fileProblems(_ key: String, _ path: String) -> [ConfigProblem] {
        var st = stat()
        guard stat(path, &st) == 0 else { return [ConfigProblem("\(key): \(path): \(String(cString: strerror(errno)))")] }
        guard (st.st_mode & S_IFMT) == S_IFREG else { return [ConfigProblem("\(key): \(path) is not a regular file")] }
        guard access(path, R_OK) == 0 else { return [ConfigProblem("\(key): \(path) is not readable by uid \(geteuid())")] }
        return []
    }

    /// The archive matters only when inputs are kept.
    private var usedDirectories: [(key: String, path: String)] {
        directories.filter { $0.key != "archive" || inputRetention == .archive }
    }

    /// Directory pairs a study is renamed between (the outbox publishes within itself).
    private var renames: [(String, String)] {
        [("inbox", "work"), ("work", "failed")] + (inputRetention == .archive ? [("work", "archive")] : [])
    }
}

private func deviceName(_ device: dev_t) -> String {
    // glibc's major()/minor() are macros, not imported; this is their encoding.
    let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~0xfff)
    let minor = (device & 0xff) | ((device >> 12) & ~0xff)
    return "\(major):\(minor)"
}

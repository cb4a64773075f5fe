import Glibc

/// Sends sd_notify(3) messages (READY=1, STATUS=..., WATCHDOG=1, STOPPING=1) as datagrams to the
/// socket systemd names in NOTIFY_SOCKET. Written out rather than calling libsystemd's sd_notify,
/// which reads the process environment: a notifier per daemon keeps tests independent.
public struct ServiceNotifier: Sendable {
    /// The socket path ("@name" for an abstract socket); nil when not started by systemd.
    public let socketPath: String?
    /// Seconds within which systemd expects WATCHDOG=1; nil when the watchdog is off.
    public let watchdogSeconds: Double?

    public init(socketPath: String?, watchdogSeconds: Double? = nil) {
        self.socketPath = socketPath
        self.watchdogSeconds = watchdogSeconds
    }

    /// From NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID (the watchdog applies only when
    /// WATCHDOG_PID is absent or names this process).
    public init(environment: [String: String]) {
        let forUs = environment["WATCHDOG_PID"].map { pid_t($0) == getpid() } ?? true
        let usec = environment["WATCHDOG_USEC"].flatMap(Double.init).flatMap { $0 > 0 && forUs ? $0 : nil }
        self.init(socketPath: environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 },
                  watchdogSeconds: usec.map { $0 / 1e6 })
    }

    /// Sends `fields` as one message ("KEY=value" lines). Failures are ignored, as with sd_notify:
    /// the service must not stop because its manager went away.
    public func send(_ fields: [String]) {
        guard let socketPath, !fields.isEmpty else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socketPath.utf8)
        if path.first == UInt8(ascii: "@") { path[0] = 0 }  // abstract namespace
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.count < capacity else { return }
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + path.count + (path.first == 0 ? 0 : 1))
        let message = Array(fields.joined(separator: "\n").utf8)
        _ = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sockaddr in
                message.withUnsafeBytes { sendto(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL), sockaddr, length) }
            }
        }
    }
}

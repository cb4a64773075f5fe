import Glibc
import Platform

/// Write end of the pipe the signal handler writes to; set once before the handler is installed.
nonisolated(unsafe) private var signalPipe: Int32 = -1

extension InboxDaemon {
    /// `run`, with SIGTERM and SIGINT requesting the stop (systemd's stop, Ctrl-C) and SIGHUP a
    /// `reload` (systemd's reload). The handler only writes the signal's number to a pipe
    /// (async-signal-safe); a thread of its own reads it and acts. Returns normally after a
    /// signalled stop, so the process can exit 0.
    public func runUntilSignalled() throws {
        let wake = try WakeSignal()
        signalPipe = wake.writeDescriptor
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            _ = write(signalPipe, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        let handled = [SIGTERM, SIGINT, SIGHUP]
        for signal in handled { sigaction(signal, &action, nil) }
        // The signal mask is inherited: a parent that spawns from a thread blocking them (any
        // libdispatch worker, e.g. Foundation's Process) would leave SIGTERM pending forever.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in handled { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        _ = DedicatedThread { [self] in
            var fd = pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0)
            while true {
                if poll(&fd, 1, -1) < 0 {
                    if errno == EINTR { continue }
                    break
                }
                var byte: UInt8 = 0
                let n = read(wake.descriptor, &byte, 1)
                if n < 0 && (errno == EAGAIN || errno == EINTR) { continue }
                guard n == 1, Int32(byte) == SIGHUP else { break }
                reload()
            }
            requestStop()
        }
        try run()
    }
}

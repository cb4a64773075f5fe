import Glibc
import Platform

/// Write end of the pipe the signal handler writes to; set once before the handler is installed.
nonisolated(unsafe) private var stopSignalPipe: Int32 = -1

extension InboxDaemon {
    /// `run`, with SIGTERM and SIGINT requesting the stop (systemd's stop, Ctrl-C). The handler
    /// only writes a byte to a pipe (async-signal-safe); a thread of its own turns that into
    /// `requestStop`. Returns normally after a signalled stop, so the process can exit 0.
    public func runUntilSignalled() throws {
        let wake = try WakeSignal()
        stopSignalPipe = wake.writeDescriptor
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(stopSignalPipe, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        for signal in [SIGTERM, SIGINT] { sigaction(signal, &action, nil) }
        // The signal mask is inherited: a parent that spawns from a thread blocking them (any
        // libdispatch worker, e.g. Foundation's Process) would leave SIGTERM pending forever.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        for signal in [SIGTERM, SIGINT] { sigaddset(&stopSignals, signal) }
        pthread_sigmask(SIG_UNBLOCK, &stopSignals, nil)
        _ = DedicatedThread { [self] in
            var fd = pollfd(fd: wake.descriptor, events: Int16(POLLIN), revents: 0)
            while poll(&fd, 1, -1) < 0 && errno == EINTR {}
            requestStop()
        }
        try run()
    }
}

import Glibc
import Platform

/// A non-blocking inotify instance: add and remove watches, drain pending events.
final class Inotify {
    struct Event {
        var watch: Int32
        var mask: UInt32
        /// Pairs the IN_MOVED_FROM and IN_MOVED_TO of one rename.
        var cookie: UInt32
        /// The entry's name inside the watched directory; empty for events about the directory itself.
        var name: String

        func has(_ flag: Int32) -> Bool { mask & UInt32(bitPattern: flag) != 0 }
    }

    let descriptor: Int32

    init() throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard descriptor >= 0 else { throw SystemError("inotify_init1", "") }
    }

    deinit { close(descriptor) }

    func addWatch(_ path: String, mask: Int32) throws -> Int32 {
        let watch = inotify_add_watch(descriptor, path, UInt32(bitPattern: mask))
        guard watch >= 0 else { throw SystemError("inotify_add_watch", path) }
        return watch
    }

    func removeWatch(_ watch: Int32) { inotify_rm_watch(descriptor, watch) }

    /// Every event queued now (none when the queue is empty).
    func drain() throws -> [Event] {
        var events: [Event] = []
        // Room for many events with maximal names per read.
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { return events }
                throw SystemError("read", "inotify")
            }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                let header = MemoryLayout<inotify_event>.size
                while offset + header <= n {
                    let watch = raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let cookie = raw.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
                    let length = Int(raw.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = raw[(offset + header)..<(offset + header + length)].prefix { $0 != 0 }
                    events.append(Event(watch: watch, mask: mask, cookie: cookie, name: String(decoding: nameBytes, as: UTF8.self)))
                    offset += header + length
                }
            }
        }
    }
}

/// A self-pipe that another thread writes to wake a poll().
final class WakeSignal: Sendable {
    /// The end to poll for reading.
    let descriptor: Int32
    /// The end `signal` writes to (async-signal-safe to write from a handler).
    let writeDescriptor: Int32

    init() throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw SystemError("pipe", "") }
        for fd in ends {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        }
        descriptor = ends[0]
        writeDescriptor = ends[1]
    }

    deinit {
        close(descriptor)
        close(writeDescriptor)
    }

    func signal() {
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)
    }
}

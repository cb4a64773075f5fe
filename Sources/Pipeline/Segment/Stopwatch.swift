import Glibc

/// Wall-clock laps on a monotonic clock (stage timings, training epochs, progress rates).
public struct Stopwatch: Sendable {
    private let start = Stopwatch.now()
    private var last = Stopwatch.now()

    public init() {}

    /// Seconds since the previous lap (or the start).
    public mutating func lap() -> Double {
        let t = Self.now()
        defer { last = t }
        return t - last
    }

    /// Seconds since the start.
    public var total: Double { Self.now() - start }

    /// Seconds on the monotonic clock (CLOCK_MONOTONIC), for differences only.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

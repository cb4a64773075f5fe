/// Wall-clock laps on a monotonic clock (stage timings, training epochs, progress rates).
public struct Stopwatch: Sendable {
    private let start = monotonicSeconds()
    private var last = monotonicSeconds()

    public init() {}

    /// Seconds since the previous lap (or the start).
    public mutating func lap() -> Double {
        let t = monotonicSeconds()
        defer { last = t }
        return t - last
    }

    /// Seconds since the start.
    public var total: Double { monotonicSeconds() - start }
}

import Testing

/// How close a result must be: |actual - expected| <= atol' + rtol * |expected|, where
/// atol' = max(atol, atolPerLargest * max |expected|) for algorithms whose rounding grows with the
/// largest output rather than each one (Winograd's transforms, long sums).
public struct Tolerance: Sendable {
    public var rtol: Double
    public var atol: Double
    public var atolPerLargest: Double

    public init(rtol: Double, atol: Double, atolPerLargest: Double = 0) {
        self.rtol = rtol
        self.atol = atol
        self.atolPerLargest = atolPerLargest
    }

    /// No difference at all: copies, max pooling, exactly rounded element-wise ops.
    public static let exact = Tolerance(rtol: 0, atol: 0)
}

/// Checks `actual` against `expected` element-wise within `tolerance`, naming the first misses.
public func expectClose(_ actual: [Float], _ expected: [Double], _ tolerance: Tolerance, _ what: String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, "\(what): \(actual.count) elements, expected \(expected.count)",
            sourceLocation: sourceLocation)
    let largest = expected.map(Swift.abs).max() ?? 0
    let atol = max(tolerance.atol, tolerance.atolPerLargest * largest)
    let bad = zip(actual, expected).enumerated().filter { _, pair in
        !(Swift.abs(Double(pair.0) - pair.1) <= atol + tolerance.rtol * Swift.abs(pair.1))
    }
    #expect(bad.isEmpty, "\(what): \(bad.count) of \(actual.count) differ, first: \(bad.prefix(3).map { "[\($0.offset)] \($0.element.0) vs \($0.element.1)" })",
            sourceLocation: sourceLocation)
}

/// `expectClose` with the default tolerances of the forward references (1e-4 relative, 1e-5 absolute).
public func expectClose(_ actual: [Float], _ expected: [Double], rtol: Double = 1e-4, atol: Double = 1e-5,
                        sourceLocation: SourceLocation = #_sourceLocation) {
    expectClose(actual, expected, Tolerance(rtol: rtol, atol: atol), sourceLocation: sourceLocation)
}

import Glibc

/// The paper's polynomial learning-rate decay: lr_t = lr_0 * (1 - t / T)^power.
public struct PolynomialDecay: Sendable, Equatable {
    public var initial: Float
    public var totalSteps: Int
    public var power: Float

    public init(initial: Float, totalSteps: Int, power: Float = 0.75) {
        self.initial = initial
        self.totalSteps = totalSteps
        self.power = power
    }

    /// The rate at 0-based step `t`.
    public func rate(at t: Int) -> Float {
        let progress = min(Float(t) / Float(max(totalSteps, 1)), 1)
        return initial * pow(1 - progress, power)
    }
}

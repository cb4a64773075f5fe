import Glibc
import Platform

/// The intensity enhancement of the paper's appendix C, as the authors' code implements it
/// (`Img_proc` in their GANNet-Seg repository), applied to values already scaled to 0...1:
///
///     L  = (m / ln(m + 1)) * ln(x + 1)            log transform (m = max x)
///     E  = 1 - exp(-x)                             exponential transform
///     C  = (L + E) / (lambda + L * E)              combination
///     R  = erf(lambda * atan(exp(C)) - C / 2)
///     y  = (R - min R) / (max R - min R)           min-max to 0...1
///
/// With lambda = -0.8 (the authors' value) the map is monotonic increasing and expands mid-range
/// contrast. Lambda must keep the denominator away from zero for every x in 0...1.
public struct Enhancement: Sendable, Equatable {
    public var lambda: Double

    public static let epsilon = 1e-6

    public init(lambda: Double = -0.8) throws {
        // L*E lies in [0, (1 - 1/e)] on 0...1; lambda + L*E must not cross 0.
        let maxProduct = 1 - exp(-1.0)
        guard lambda.isFinite, lambda < -maxProduct - 0.01 || lambda > 0 else {
            throw PreprocessingError.invalidLambda(lambda)
        }
        self.lambda = lambda
    }

    /// R(x) for one value, given the maximum `m` of the values it is applied to.
    @inlinable func raw(_ x: Double, max m: Double) -> Double {
        let l = (m / log(m + 1 + Self.epsilon)) * log(x + 1)
        let e = 1 - exp(-x)
        let c = (l + e) / (lambda + l * e)
        return erf(lambda * atan(exp(c)) - 0.5 * c)
    }

    /// Enhances `values` (each in 0...1) in place, min-max normalising the result over them.
    public func apply(to values: inout [Float]) {
        guard let m = values.max().map(Double.init) else { return }
        var out = values.map { raw(Double($0), max: m) }
        let lo = out.min()!, hi = out.max()!
        guard hi - lo > Self.epsilon else {
            values = [Float](repeating: 0, count: values.count)
            return
        }
        for i in out.indices { out[i] = (out[i] - lo) / (hi - lo + Self.epsilon) }
        values = out.map(Float.init)
    }
}

public enum PreprocessingError: CategorizedError, Equatable, Sendable {
    public var category: FailureCategory { .badInput }
    public var stage: String { "preprocess" }

    case invalidLambda(Double)
    case emptyBrain(study: String)
    case invalidPercentiles(Double, Double)

    public var description: String {
        switch self {
        case .invalidLambda(let l):
            "enhancement lambda \(l) is not allowed: lambda + L*E must stay away from 0 on 0...1 (use lambda < -0.64 or > 0; the paper's is -0.8)"
        case .emptyBrain(let s): "\(s): no brain voxels (every modality is 0 everywhere)"
        case .invalidPercentiles(let lo, let hi): "percentiles \(lo)...\(hi) must satisfy 0 <= low < high <= 100"
        }
    }
}

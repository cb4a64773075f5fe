import Platform

/// The weighted element-wise mean of models of one architecture: a "model soup" (Wortsman et al.
/// 2022), as FetalSynthSeg averages the weights of its fine-tuned runs. Runs fine-tuned from one
/// start stay in one basin of the loss, so their mean is a model of its own, often better than each.
public enum WeightAveraging {
    public enum Error: CategorizedError, Equatable {
        public var category: FailureCategory { .badInput }
        public var stage: String { "load" }

        case tooFewModels(Int)
        case badShares(String)
        case differentTensors(path: String, reason: String)

        public var description: String {
            switch self {
            case .tooFewModels(let n): "averaging needs at least two models, got \(n)"
            case .badShares(let reason): "bad shares: \(reason)"
            case .differentTensors(let p, let r): "\(p): not the same architecture as the first model: \(r)"
            }
        }
    }

    /// `sum_i shares[i] * models[i]`, tensor by tensor. The shares must be positive and sum to 1;
    /// every model must hold the first's tensor names and shapes, no more and no fewer.
    public static func average(_ models: [(path: String, contents: SafeTensors.Contents)],
                               shares: [Double]) throws -> [NamedTensor] {
        guard models.count >= 2 else { throw Error.tooFewModels(models.count) }
        guard shares.count == models.count else {
            throw Error.badShares("\(shares.count) shares for \(models.count) models")
        }
        guard shares.allSatisfy({ $0 > 0 }), abs(shares.reduce(0, +) - 1) < 1e-6 else {
            throw Error.badShares("\(shares.map { "\($0)" }.joined(separator: ",")) must be positive and sum to 1")
        }
        let first = models[0].contents.tensors
        for (path, contents) in models.dropFirst() {
            let names = Set(contents.tensors.map(\.name))
            if let extra = names.subtracting(first.map(\.name)).sorted().first {
                throw Error.differentTensors(path: path, reason: "it has a tensor \(extra) that the first has not")
            }
            for tensor in first {
                guard let other = contents[tensor.name] else {
                    throw Error.differentTensors(path: path, reason: "it has no tensor \(tensor.name)")
                }
                guard other.shape == tensor.shape else {
                    throw Error.differentTensors(path: path, reason: "tensor \(tensor.name) has shape \(other.shape), the first's \(tensor.shape)")
                }
            }
        }
        return first.map { tensor in
            var sum = [Double](repeating: 0, count: tensor.values.count)
            for ((_, contents), share) in zip(models, shares) {
                for (i, v) in contents[tensor.name]!.values.enumerated() { sum[i] += share * Double(v) }
            }
            return NamedTensor(name: tensor.name, shape: tensor.shape, values: sum.map { Float($0) })
        }
    }
}

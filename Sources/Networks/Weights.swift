import Compute
import Platform

/// Why a weights file does not fit a network.
public enum WeightsError: CategorizedError, Equatable {
    public var category: FailureCategory { .badInput }
    public var stage: String { "load" }

    case missing(name: String, path: String)
    case shapeMismatch(name: String, expected: [Int], found: [Int], path: String)
    case unexpected(names: [String], path: String)

    public var description: String {
        switch self {
        case .missing(let n, let p): "\(p): no tensor \(n) (is this a model of the same architecture and widths?)"
        case .shapeMismatch(let n, let e, let f, let p): "\(p): tensor \(n) has shape \(f), the network needs \(e)"
        case .unexpected(let names, let p):
            "\(p): tensors the network does not have: \(names.prefix(5).joined(separator: ", "))\(names.count > 5 ? ", ..." : "")"
        }
    }
}

extension Module {
    /// Every parameter as a named host tensor in PyTorch layout.
    public func exportWeights(backend: any Backend) -> [NamedTensor] {
        parameters.map { NamedTensor(name: $0.name, shape: $0.torchShape, values: backend.download($0.value)) }
    }

    /// Replaces every parameter's value with the file's tensor of the same name and shape.
    /// The file must hold exactly the network's tensors.
    public func loadWeights(_ contents: SafeTensors.Contents, path: String, backend: any Backend) throws {
        var byName = Dictionary(uniqueKeysWithValues: contents.tensors.map { ($0.name, $0) })
        var updates: [(Parameter, Tensor)] = []
        for p in parameters {
            guard let t = byName.removeValue(forKey: p.name) else { throw WeightsError.missing(name: p.name, path: path) }
            guard t.shape == p.torchShape else {
                throw WeightsError.shapeMismatch(name: p.name, expected: p.torchShape, found: t.shape, path: path)
            }
            updates.append((p, backend.upload(t.values, shape: p.value.shape)))
        }
        guard byName.isEmpty else { throw WeightsError.unexpected(names: byName.keys.sorted(), path: path) }
        for (p, value) in updates { p.value = value }
    }
}

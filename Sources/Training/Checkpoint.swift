import Compute
import FoundationEssentials
import Networks

/// Everything `train --resume` needs to continue a run: the weights, Adam's moments and step
/// count, the completed epochs and their reports, in one safetensors file (F32). Optimiser
/// moments are stored as `adam.m.<parameter>` and `adam.v.<parameter>`.
public struct Checkpoint: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public enum Error: Swift.Error, CustomStringConvertible {
        case incompatible(path: String, reason: String)

        public var description: String {
            switch self {
            case .incompatible(let p, let r): "\(p): cannot resume from this checkpoint: \(r)"
            }
        }
    }

    public func save(_ trainer: Trainer) throws {
        let backend = trainer.backend
        var tensors = trainer.network.exportWeights(backend: backend)
        for p in trainer.network.parameters {
            guard let (m, v) = trainer.optimizer.moments(of: p) else { continue }
            tensors.append(NamedTensor(name: "adam.m." + p.name, shape: p.torchShape, values: backend.download(m)))
            tensors.append(NamedTensor(name: "adam.v." + p.name, shape: p.torchShape, values: backend.download(v)))
        }
        let history = String(decoding: try JSONEncoder().encode(trainer.history), as: UTF8.self)
        try SafeTensors.write(tensors, as: .f32, metadata: [
            "completed_epochs": "\(trainer.completedEpochs)",
            "adam_steps": "\(trainer.optimizer.stepCount)",
            "history": history,
            "options": String(decoding: try JSONEncoder().encode(trainer.options), as: UTF8.self),
        ], to: path)
    }

    /// The epochs the checkpoint has completed (where a resumed run continues).
    public func completedEpochs() throws -> Int {
        guard let epochs = try SafeTensors.read(path: path).metadata["completed_epochs"].flatMap(Int.init) else {
            throw Error.incompatible(path: path, reason: "missing training state")
        }
        return epochs
    }

    public func restore(into trainer: Trainer) throws {
        let contents = try SafeTensors.read(path: path)
        guard let epochs = contents.metadata["completed_epochs"].flatMap(Int.init),
              let steps = contents.metadata["adam_steps"].flatMap(Int.init),
              let historyJSON = contents.metadata["history"] else {
            throw Error.incompatible(path: path, reason: "missing training state")
        }
        let history = try JSONDecoder().decode([EpochReport].self, from: Data(historyJSON.utf8))
        let weights = SafeTensors.Contents(tensors: contents.tensors.filter { !$0.name.hasPrefix("adam.") },
                                           metadata: contents.metadata, sha256: contents.sha256)
        try trainer.network.loadWeights(weights, path: path, backend: trainer.backend)
        var moments: [(Parameter, Tensor, Tensor)] = []
        for p in trainer.network.parameters {
            guard let m = contents["adam.m." + p.name], let v = contents["adam.v." + p.name] else { continue }
            moments.append((p, trainer.backend.upload(m.values, shape: p.value.shape),
                            trainer.backend.upload(v.values, shape: p.value.shape)))
        }
        trainer.optimizer.restore(stepCount: steps, moments: moments)
        trainer.restore(completedEpochs: epochs, history: history)
    }
}

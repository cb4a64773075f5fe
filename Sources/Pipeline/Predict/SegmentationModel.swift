import Compute
import Networks

/// A trained U-Net loaded from a safetensors file, with what metrics.json reports about it.
public struct SegmentationModel {
    public let network: UNet
    public let backend: any Backend
    /// File name and sha256 of the weights file.
    public let name: String
    public let sha256: String
    public let metadata: [String: String]

    public init(network: UNet, backend: any Backend, name: String, sha256: String, metadata: [String: String] = [:]) {
        self.network = network
        self.backend = backend
        self.name = name
        self.sha256 = sha256
        self.metadata = metadata
    }

    /// Loads weights written by `ganet-seg train` (or a PyTorch model of the same architecture
    /// saved as safetensors). The widths come from the file's metadata when present.
    public static func load(path: String, backend: any Backend) throws -> SegmentationModel {
        let contents = try SafeTensors.read(path: path)
        let configuration = UNetConfiguration(metadata: contents.metadata) ?? UNetConfiguration()
        let network = UNet(configuration, backend: backend)
        try network.loadWeights(contents, path: path, backend: backend)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return SegmentationModel(network: network, backend: backend, name: name,
                                 sha256: contents.sha256, metadata: contents.metadata)
    }
}

extension SegmentationModel {
    /// The caveat a report carries on its first page: research use, and which weights trained on
    /// what (the weights' `training_data` metadata, shortened to fit the page).
    public var caveat: [String] {
        var trained = metadata["training_data"] ?? "unrecorded data"
        if trained.count > 76 { trained = String(trained.prefix(73)) + "..." }
        return ["RESEARCH USE ONLY, not for diagnosis. Model \(name) (sha256 \(sha256.prefix(12)))",
                "trained on: \(trained)"]
    }
}

extension UNetConfiguration {
    /// Metadata keys a weights file carries so that its architecture can be rebuilt.
    public var metadata: [String: String] {
        ["architecture": "ganet-seg-unet", "input_channels": "\(inputChannels)", "classes": "\(classes)",
         "widths": widths.map(String.init).joined(separator: ","), "bottleneck": "\(bottleneck)"]
    }

    init?(metadata: [String: String]) {
        guard let i = metadata["input_channels"].flatMap(Int.init), let c = metadata["classes"].flatMap(Int.init),
              let w = metadata["widths"], let b = metadata["bottleneck"].flatMap(Int.init) else { return nil }
        let widths = w.split(separator: ",").compactMap { Int($0) }
        guard !widths.isEmpty else { return nil }
        self.init(inputChannels: i, classes: c, widths: widths, bottleneck: b)
    }
}

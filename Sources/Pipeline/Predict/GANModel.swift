import Compute
import Networks
import Platform

/// A pre-trained inpainting GAN (`ganet-seg pretrain-gan`) loaded frozen for joint training or
/// anomaly maps, with the modalities it sees and what metrics.json reports about it.
///
/// Unchecked Sendable: the weights are only read during inference (each call builds its own graph),
/// so threads can share one model, as they share a `Segmenter`.
public struct GANModel: @unchecked Sendable {
    public let gan: InpaintingGAN
    public let backend: any Backend
    /// The modalities the GAN sees, in its channel order (from the file's `modalities` metadata;
    /// without it, T1 for a one-channel GAN and all four for a four-channel one).
    public let modalities: [Modality]
    public let name: String
    public let sha256: String
    public let metadata: [String: String]

    public init(gan: InpaintingGAN, backend: any Backend, modalities: [Modality], name: String = "gan", sha256: String = "",
                metadata: [String: String] = [:]) {
        precondition(modalities.count == gan.configuration.imageChannels, "one modality per GAN channel")
        self.gan = gan
        self.backend = backend
        self.modalities = modalities
        self.name = name
        self.sha256 = sha256
        self.metadata = metadata
    }

    /// The U-Net input channels the GAN sees (the U-Net's channel order is `Modality`'s).
    public var channels: [Int] { modalities.map(\.rawValue) }

    public static func load(path: String, backend: any Backend) throws -> GANModel {
        let contents = try SafeTensors.read(path: path)
        let metadata = contents.metadata
        let gan = InpaintingGAN(GANConfiguration(metadata: metadata) ?? GANConfiguration(), backend: backend)
        try gan.loadWeights(contents, path: path, backend: backend)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let modalities = modalities(metadata["modalities"], channels: gan.configuration.imageChannels) else {
            throw ModelFileError("\(path): the GAN's 'modalities' metadata (\(metadata["modalities"] ?? "absent")) "
                                 + "does not name its \(gan.configuration.imageChannels) channel(s) (t1, t1ce, t2, flair)")
        }
        return GANModel(gan: gan, backend: backend, modalities: modalities, name: name, sha256: contents.sha256,
                        metadata: metadata)
    }

    /// `t1,t1ce,...` as modalities; nil when a key is unknown or the count is not `channels`.
    static func modalities(_ keys: String?, channels: Int) -> [Modality]? {
        guard let keys else {
            return channels == 1 ? [.t1] : channels == Modality.allCases.count ? Modality.allCases : nil
        }
        let parsed = keys.split(separator: ",").map { key in Modality.allCases.first { $0.key == key } }
        guard parsed.count == channels, parsed.allSatisfy({ $0 != nil }) else { return nil }
        return parsed.map { $0! }
    }
}

/// A weights file that loads but cannot be used as asked (bad metadata).
public struct ModelFileError: CategorizedError {
    public var description: String
    public var category: FailureCategory { .badInput }
    public var stage: String { "load" }
    public init(_ description: String) { self.description = description }
}

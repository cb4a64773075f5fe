import Compute

/// Widths of GANet-Seg's inpainting GAN (generator and discriminator) and how many image
/// channels it sees (the paper's model sees T1 only; ganet-seg can also use all four modalities).
public struct GANConfiguration: Codable, Equatable, Sendable {
    /// Image channels the generator inpaints and the discriminator judges.
    public var imageChannels: Int = 1
    /// Generator U-Net levels; the last is the bottleneck (32, 64, 128: two levels and a 128 bottleneck).
    public var generatorWidths: [Int] = [32, 64, 128]
    /// Channels of the discriminator's 4x4 stride-2 convolutions; each halves the resolution.
    public var discriminatorWidths: [Int] = [32, 64, 128]

    public init(imageChannels: Int = 1, generatorWidths: [Int] = [32, 64, 128], discriminatorWidths: [Int] = [32, 64, 128]) {
        precondition(imageChannels >= 1 && generatorWidths.count >= 2 && !discriminatorWidths.isEmpty,
                     "a GAN needs >= 1 image channel, >= 2 generator widths and >= 1 discriminator width")
        self.imageChannels = imageChannels
        self.generatorWidths = generatorWidths
        self.discriminatorWidths = discriminatorWidths
    }

    /// The generator's U-Net: input image channels + the mask, output the image channels.
    public var generatorUNet: UNetConfiguration {
        UNetConfiguration(inputChannels: imageChannels + 1, classes: imageChannels,
                          widths: Array(generatorWidths.dropLast()), bottleneck: generatorWidths.last!)
    }

    /// Side length of one discriminator patch cell in input pixels (2^layers).
    public var patchStride: Int { 1 << discriminatorWidths.count }

    /// Input height and width must be multiples of this (generator pooling and discriminator strides).
    public var sizeMultiple: Int { max(generatorUNet.sizeMultiple, patchStride) }

    /// Metadata keys a GAN weights file carries so that its architecture can be rebuilt.
    public var metadata: [String: String] {
        ["architecture": "ganet-seg-gan", "image_channels": "\(imageChannels)",
         "generator_widths": generatorWidths.map(String.init).joined(separator: ","),
         "discriminator_widths": discriminatorWidths.map(String.init).joined(separator: ",")]
    }

    /// The configuration a file's metadata describes; nil when keys are missing or malformed.
    public init?(metadata: [String: String]) {
        func widths(_ key: String) -> [Int]? {
            let w = metadata[key]?.split(separator: ",").compactMap { Int($0) } ?? []
            return w.isEmpty || w.contains { $0 < 1 } ? nil : w
        }
        guard let c = metadata["image_channels"].flatMap(Int.init), c >= 1,
              let g = widths("generator_widths"), g.count >= 2, let d = widths("discriminator_widths") else { return nil }
        self.init(imageChannels: c, generatorWidths: g, discriminatorWidths: d)
    }
}

/// GANet-Seg's generator: a U-Net (double-conv blocks with instance norm and ReLU, max-pool down,
/// transposed convolutions up) that takes the occluded image and the occlusion mask and returns a
/// full image, through a tanh.
///
/// Parameter names are the segmentation U-Net's (`enc1..`, `bottleneck`, `up1..`, `dec1..`, `head`);
/// a GAN file prefixes them with `generator.` (docs/model-format.md).
public final class InpaintingGenerator: Module {
    public let configuration: GANConfiguration
    let unet: UNet

    public init(_ configuration: GANConfiguration = GANConfiguration(), backend: any Backend, seed: UInt64 = 0) {
        self.configuration = configuration
        unet = UNet(configuration.generatorUNet, backend: backend, seed: seed)
    }

    public var parameters: [Parameter] { unet.parameters }

    /// The inpainted image `[N, C, H, W]` (tanh range) for the occluded image `[N, C, H, W]` and the
    /// mask `[N, 1, H, W]` (1 where occluded). `Graph.freeze` makes the weights constants.
    public func callAsFunction(_ g: Graph, occluded: Variable, mask: Variable) -> Variable {
        precondition(occluded.shape.c == configuration.imageChannels && mask.shape.c == 1,
                     "generator input: \(configuration.imageChannels) image channels and a 1-channel mask")
        return g.tanh(unet(g, g.concat([occluded, mask])))
    }
}

/// GANet-Seg's discriminator: a conditional PatchGAN. Input: the occluded image and a candidate
/// full image, concatenated (`2C` channels). Per width a 4x4 stride-2 convolution (padding 1), instance
/// norm (not after the first, as in pix2pix), LeakyReLU 0.2; then a 3x3 convolution to one logit per
/// patch, so the output grid is `H / 2^layers x W / 2^layers`. `callAsFunction` applies the sigmoid;
/// losses use `logits` with softplus for stability.
///
/// Parameter names: `conv1.weight`, `conv1.bias`, `conv2.weight`, `norm2.weight`, `norm2.bias`, ...,
/// `head.weight`, `head.bias` (convolutions followed by a norm have no bias).
public final class PatchDiscriminator: Module {
    public let configuration: GANConfiguration
    let convs: [Conv2d]
    /// `norms[0]` is nil: the first layer has no normalisation.
    let norms: [InstanceNorm2d?]
    let head: Conv2d

    public init(_ configuration: GANConfiguration = GANConfiguration(), backend: any Backend, seed: UInt64 = 0) {
        self.configuration = configuration
        var initializer = Initializer(seed: seed)
        var channels = 2 * configuration.imageChannels
        var convs: [Conv2d] = [], norms: [InstanceNorm2d?] = []
        for (i, width) in configuration.discriminatorWidths.enumerated() {
            convs.append(Conv2d("conv\(i + 1)", in: channels, out: width, kernel: 4, stride: 2, padding: 1,
                                bias: i == 0, backend: backend, initializer: &initializer))
            norms.append(i == 0 ? nil : InstanceNorm2d("norm\(i + 1)", channels: width, backend: backend))
            channels = width
        }
        self.convs = convs
        self.norms = norms
        head = Conv2d("head", in: channels, out: 1, kernel: 3, padding: 1, backend: backend, initializer: &initializer)
    }

    public var parameters: [Parameter] {
        zip(convs, norms).flatMap { $0.parameters + ($1?.parameters ?? []) } + head.parameters
    }

    /// The output grid for an `height x width` input.
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        var (h, w) = (height, width)
        for c in convs { (h, w) = (c.geometry.convOutput(h, kernel: 4), c.geometry.convOutput(w, kernel: 4)) }
        return (h, w)
    }

    /// One logit per patch `[N, 1, H / 2^layers, W / 2^layers]`; `Graph.freeze` makes the weights constants.
    public func logits(_ g: Graph, occluded: Variable, candidate: Variable) -> Variable {
        precondition(occluded.shape == candidate.shape && occluded.shape.c == configuration.imageChannels,
                     "discriminator input: two images of \(configuration.imageChannels) channels and equal shape")
        var h = g.concat([occluded, candidate])
        for (conv, norm) in zip(convs, norms) {
            h = conv(g, h)
            h = norm.map { $0(g, h, then: .leakyRelu(slope: 0.2)) } ?? g.leakyRelu(h, slope: 0.2)
        }
        return head(g, h)
    }

    /// The probability per patch that the candidate is a real (normal) image.
    public func callAsFunction(_ g: Graph, occluded: Variable, candidate: Variable) -> Variable {
        g.sigmoid(logits(g, occluded: occluded, candidate: candidate))
    }
}

/// The generator and discriminator as one weights file: tensors `generator.<name>` and
/// `discriminator.<name>`, metadata from `GANConfiguration.metadata` (plus what training adds).
public final class InpaintingGAN {
    public let configuration: GANConfiguration
    public let generator: InpaintingGenerator
    public let discriminator: PatchDiscriminator

    public static let generatorPrefix = "generator."
    public static let discriminatorPrefix = "discriminator."

    public init(_ configuration: GANConfiguration = GANConfiguration(), backend: any Backend, seed: UInt64 = 0) {
        self.configuration = configuration
        generator = InpaintingGenerator(configuration, backend: backend, seed: seed)
        discriminator = PatchDiscriminator(configuration, backend: backend, seed: seed &+ 1)
    }

    /// The image with the mask's pixels blanked: `x * (1 - M)` (`M` is 1 where occluded).
    public static func occlude(_ g: Graph, image: Variable, mask: Variable) -> Variable {
        g.mul(image, g.affine(mask, scale: -1, shift: 1))
    }

    /// The completed image: the visible pixels, and the generator's output under the mask, `occluded + M * G`.
    public static func complete(_ g: Graph, occluded: Variable, mask: Variable, inpainted: Variable) -> Variable {
        g.add(occluded, g.mul(mask, inpainted))
    }

    /// Every tensor, prefixed, in file order (generator first).
    public func exportWeights(backend: any Backend) -> [NamedTensor] {
        func prefixed(_ tensors: [NamedTensor], _ prefix: String) -> [NamedTensor] {
            tensors.map { NamedTensor(name: prefix + $0.name, shape: $0.shape, values: $0.values) }
        }
        return prefixed(generator.exportWeights(backend: backend), Self.generatorPrefix)
            + prefixed(discriminator.exportWeights(backend: backend), Self.discriminatorPrefix)
    }

    /// Loads both networks from a file holding exactly their tensors (and possibly other tensors
    /// whose names start with one of `ignoring`, e.g. a checkpoint's optimiser state).
    public func loadWeights(_ contents: SafeTensors.Contents, path: String, backend: any Backend,
                            ignoring: [String] = []) throws {
        func part(_ prefix: String) -> SafeTensors.Contents {
            SafeTensors.Contents(tensors: contents.tensors.filter { $0.name.hasPrefix(prefix) }.map {
                NamedTensor(name: String($0.name.dropFirst(prefix.count)), shape: $0.shape, values: $0.values)
            }, metadata: contents.metadata, sha256: contents.sha256)
        }
        let known = [Self.generatorPrefix, Self.discriminatorPrefix] + ignoring
        let stray = contents.tensors.map(\.name).filter { name in !known.contains { name.hasPrefix($0) } }
        guard stray.isEmpty else { throw WeightsError.unexpected(names: stray.sorted(), path: path) }
        do {
            try generator.loadWeights(part(Self.generatorPrefix), path: path, backend: backend)
        } catch let error as WeightsError { throw error.prefixed(Self.generatorPrefix) }
        do {
            try discriminator.loadWeights(part(Self.discriminatorPrefix), path: path, backend: backend)
        } catch let error as WeightsError { throw error.prefixed(Self.discriminatorPrefix) }
    }

    /// Reads a GAN file; the architecture comes from its metadata (the defaults when absent).
    public static func load(path: String, backend: any Backend) throws -> (gan: InpaintingGAN, metadata: [String: String]) {
        let contents = try SafeTensors.read(path: path)
        let gan = InpaintingGAN(GANConfiguration(metadata: contents.metadata) ?? GANConfiguration(), backend: backend)
        try gan.loadWeights(contents, path: path, backend: backend)
        return (gan, contents.metadata)
    }
}

private extension WeightsError {
    /// Names in errors as the file spells them (each part's loader sees them without the prefix).
    func prefixed(_ prefix: String) -> WeightsError {
        switch self {
        case .missing(let n, let p): .missing(name: prefix + n, path: p)
        case .shapeMismatch(let n, let e, let f, let p): .shapeMismatch(name: prefix + n, expected: e, found: f, path: p)
        case .unexpected(let names, let p): .unexpected(names: names.map { prefix + $0 }, path: p)
        }
    }
}

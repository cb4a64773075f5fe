import Compute

/// Widths and channels of a U-Net; the defaults are GANet-Seg's segmentation network.
public struct UNetConfiguration: Codable, Equatable, Sendable {
    public var inputChannels: Int = 4
    public var classes: Int = 4
    /// Channels of the encoder levels; each level after the first halves the resolution.
    public var widths: [Int] = [64, 128, 256]
    /// Channels of the bottleneck, below the last level.
    public var bottleneck: Int = 320

    public init(inputChannels: Int = 4, classes: Int = 4, widths: [Int] = [64, 128, 256], bottleneck: Int = 320) {
        self.inputChannels = inputChannels
        self.classes = classes
        self.widths = widths
        self.bottleneck = bottleneck
    }

    /// Input height and width must be multiples of this (one halving per level).
    public var sizeMultiple: Int { 1 << widths.count }

    /// Multiply-adds x 2 of one forward pass over an `height x width` slice.
    public func forwardFLOPs(height: Int, width: Int) -> Double {
        func conv(_ pixels: Int, _ i: Int, _ o: Int, _ k: Int) -> Double { 2 * Double(pixels * i * o * k * k) }
        var flops = 0.0, pixels = height * width, channels = inputChannels
        var skips: [(Int, Int)] = []
        for w in widths {
            flops += conv(pixels, channels, w, 3) + conv(pixels, w, w, 3)
            skips.append((pixels, w))
            channels = w
            pixels /= 4
        }
        flops += conv(pixels, channels, bottleneck, 3) + conv(pixels, bottleneck, bottleneck, 3)
        channels = bottleneck
        for (p, w) in skips.reversed() {
            flops += conv(p / 4, channels, w, 2) // transposed 2x2 stride 2: same work as its adjoint
            flops += conv(p, 2 * w, w, 3) + conv(p, w, w, 3)
            channels = w
        }
        return flops + conv(height * width, channels, classes, 1)
    }
}

/// The paper's segmentation U-Net: double-conv blocks (3x3 conv, instance norm, ReLU, twice),
/// 2x2 max-pool down, 2x2 stride-2 transposed convolutions up concatenated with the skip, and a
/// 1x1 convolution to class logits (softmax is applied by the loss or the segmenter).
///
/// Parameter names follow a PyTorch module with attributes `enc1`..`encN`, `bottleneck`,
/// `up1`..`upN`, `dec1`..`decN` and `head` (docs/model-format.md lists them with shapes).
public final class UNet: Module {
    public let configuration: UNetConfiguration
    let encoders: [DoubleConv]
    let bottleneck: DoubleConv
    let ups: [ConvTranspose2d]
    let decoders: [DoubleConv]
    let head: Conv2d

    public init(_ configuration: UNetConfiguration = UNetConfiguration(), backend: any Backend, seed: UInt64 = 0) {
        self.configuration = configuration
        var initializer = Initializer(seed: seed)
        var encoders: [DoubleConv] = []
        var channels = configuration.inputChannels
        for (level, width) in configuration.widths.enumerated() {
            encoders.append(DoubleConv("enc\(level + 1)", in: channels, out: width, backend: backend,
                                       initializer: &initializer))
            channels = width
        }
        bottleneck = DoubleConv("bottleneck", in: channels, out: configuration.bottleneck, backend: backend,
                                initializer: &initializer)
        channels = configuration.bottleneck
        var ups: [ConvTranspose2d?] = Array(repeating: nil, count: configuration.widths.count)
        var decoders: [DoubleConv?] = Array(repeating: nil, count: configuration.widths.count)
        for level in configuration.widths.indices.reversed() {
            let width = configuration.widths[level]
            ups[level] = ConvTranspose2d("up\(level + 1)", in: channels, out: width, kernel: 2, stride: 2,
                                         backend: backend, initializer: &initializer)
            decoders[level] = DoubleConv("dec\(level + 1)", in: 2 * width, out: width, backend: backend,
                                         initializer: &initializer)
            channels = width
        }
        self.encoders = encoders
        self.ups = ups.map { $0! }
        self.decoders = decoders.map { $0! }
        head = Conv2d("head", in: channels, out: configuration.classes, kernel: 1, backend: backend,
                      initializer: &initializer)
    }

    /// In state_dict order: encoders, bottleneck, then per level (deepest first) up and decoder, head.
    public var parameters: [Parameter] {
        encoders.flatMap(\.parameters) + bottleneck.parameters
            + configuration.widths.indices.reversed().flatMap { ups[$0].parameters + decoders[$0].parameters }
            + head.parameters
    }

    /// Class logits `[N, classes, H, W]` for input `[N, inputChannels, H, W]`.
    public func callAsFunction(_ g: Graph, _ x: Variable) -> Variable {
        precondition(x.shape.h % configuration.sizeMultiple == 0 && x.shape.w % configuration.sizeMultiple == 0,
                     "U-Net input \(x.shape) must be a multiple of \(configuration.sizeMultiple) in H and W")
        let down = PoolGeometry(kernel: 2, stride: 2)
        var skips: [Variable] = []
        var h = x
        for encoder in encoders {
            h = encoder(g, h)
            skips.append(h)
            h = g.maxPool2d(h, geometry: down)
        }
        h = bottleneck(g, h)
        for level in configuration.widths.indices.reversed() {
            h = decoders[level](g, skips[level], ups[level](g, h))
        }
        return head(g, h)
    }
}

import Compute
import Glibc
import Randomness

/// Something with named parameters, in the order a PyTorch `state_dict` lists them.
public protocol Module: AnyObject {
    var parameters: [Parameter] { get }
}

extension Graph {
    /// Makes `module`'s weights constants in this graph (see `freeze(_: [Parameter])`): a frozen
    /// pre-trained network that gradients flow through but that nothing updates.
    public func freeze(_ module: any Module) { freeze(module.parameters) }
}

/// Initial weights: Xavier (Glorot) uniform, as the paper specifies, from a seeded generator.
public struct Initializer {
    private var random: RandomSource

    public init(seed: UInt64) { random = RandomSource(seed: seed) }

    /// Xavier-uniform values for a weight with these fan-in and fan-out.
    public mutating func xavier(count: Int, fanIn: Int, fanOut: Int) -> [Float] {
        let bound = sqrt(6.0 / Double(fanIn + fanOut))
        return (0..<count).map { _ in Float(random.uniform(-bound...bound)) }
    }
}

/// `torch.nn.Conv2d`: OIHW weight, optional bias.
public final class Conv2d: Module {
    public let weight: Parameter
    public let bias: Parameter?
    public let geometry: ConvGeometry

    public init(_ name: String, in inputs: Int, out outputs: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, backend: any Backend, initializer: inout Initializer) {
        let shape = Shape(outputs, inputs, kernel, kernel)
        let values = initializer.xavier(count: shape.count, fanIn: inputs * kernel * kernel,
                                        fanOut: outputs * kernel * kernel)
        weight = Parameter("\(name).weight", backend.upload(values, shape: shape))
        self.bias = bias ? Parameter("\(name).bias", backend.zeros(Shape(1, outputs, 1, 1)), torchShape: [outputs]) : nil
        geometry = ConvGeometry(stride: stride, padding: padding)
    }

    public var parameters: [Parameter] { [weight] + (bias.map { [$0] } ?? []) }

    public func callAsFunction(_ g: Graph, _ x: Variable) -> Variable { self(g, concatenating: [x]) }

    /// The convolution of the channel concatenation of `inputs` (see `Graph.conv2d(concatenating:)`).
    public func callAsFunction(_ g: Graph, concatenating inputs: [Variable]) -> Variable {
        g.conv2d(concatenating: inputs, g.parameter(weight), bias.map { g.parameter($0) }, geometry: geometry)
    }
}

/// `torch.nn.ConvTranspose2d`: IOHW weight and a bias.
public final class ConvTranspose2d: Module {
    public let weight: Parameter
    public let bias: Parameter
    public let geometry: ConvGeometry

    public init(_ name: String, in inputs: Int, out outputs: Int, kernel: Int, stride: Int,
                backend: any Backend, initializer: inout Initializer) {
        let shape = Shape(inputs, outputs, kernel, kernel)
        let values = initializer.xavier(count: shape.count, fanIn: outputs * kernel * kernel,
                                        fanOut: inputs * kernel * kernel)
        weight = Parameter("\(name).weight", backend.upload(values, shape: shape))
        bias = Parameter("\(name).bias", backend.zeros(Shape(1, outputs, 1, 1)), torchShape: [outputs])
        geometry = ConvGeometry(stride: stride, padding: 0)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func callAsFunction(_ g: Graph, _ x: Variable) -> Variable {
        g.convTranspose2d(x, g.parameter(weight), g.parameter(bias), geometry: geometry)
    }
}

/// `torch.nn.InstanceNorm2d(affine=True)`: per-channel scale (`weight`) and shift (`bias`).
public final class InstanceNorm2d: Module {
    public let weight: Parameter
    public let bias: Parameter

    public init(_ name: String, channels: Int, backend: any Backend) {
        weight = Parameter("\(name).weight", backend.full(Shape(1, channels, 1, 1), value: 1), torchShape: [channels])
        bias = Parameter("\(name).bias", backend.zeros(Shape(1, channels, 1, 1)), torchShape: [channels])
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func callAsFunction(_ g: Graph, _ x: Variable, then rectifier: Rectifier? = nil) -> Variable {
        g.instanceNorm(x, gamma: g.parameter(weight), beta: g.parameter(bias), then: rectifier)
    }
}

/// Two 3x3 convolutions, each followed by instance norm and ReLU: the U-Net's block.
///
/// The convolutions have no bias: the instance norm right after removes any per-channel constant.
public final class DoubleConv: Module {
    public let conv1: Conv2d, norm1: InstanceNorm2d, conv2: Conv2d, norm2: InstanceNorm2d

    public init(_ name: String, in inputs: Int, out outputs: Int, backend: any Backend, initializer: inout Initializer) {
        conv1 = Conv2d("\(name).conv1", in: inputs, out: outputs, kernel: 3, padding: 1, bias: false,
                       backend: backend, initializer: &initializer)
        norm1 = InstanceNorm2d("\(name).norm1", channels: outputs, backend: backend)
        conv2 = Conv2d("\(name).conv2", in: outputs, out: outputs, kernel: 3, padding: 1, bias: false,
                       backend: backend, initializer: &initializer)
        norm2 = InstanceNorm2d("\(name).norm2", channels: outputs, backend: backend)
    }

    public var parameters: [Parameter] { conv1.parameters + norm1.parameters + conv2.parameters + norm2.parameters }

    /// The block over the channel concatenation of `inputs` (the decoder's skip and upsampled maps).
    public func callAsFunction(_ g: Graph, _ inputs: Variable...) -> Variable {
        let h = norm1(g, conv1(g, concatenating: inputs), then: .relu)
        return norm2(g, conv2(g, h), then: .relu)
    }
}

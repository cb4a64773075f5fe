import Compute
import Testing

/// One backend op on fixed inputs: the unit of the conformance suite (after ggml's
/// test-backend-ops). Every backend runs every case; the CPU is checked against `reference` (direct
/// loops in Float64), every other backend against the CPU.
public struct OpCase: Sendable, CustomTestStringConvertible {
    public struct Input: Sendable {
        public let shape: Shape
        public let draw: Draw
        public init(_ shape: Shape, _ draw: Draw = .uniform(-1...1)) {
            self.shape = shape
            self.draw = draw
        }
    }

    public let name: String
    public let inputs: [Input]
    /// How close each output must be, to the reference or to the CPU.
    public let tolerance: Tolerance
    /// The op on `backend`, given the inputs uploaded there in order; the outputs to compare.
    public let run: @Sendable (_ backend: any Backend, _ inputs: [Tensor]) -> [Tensor]
    /// The outputs in Float64 from the inputs' values.
    public let reference: @Sendable (_ inputs: [HostTensor]) -> [[Double]]

    public var testDescription: String { name }

    /// The inputs' values, reproducible from the case's name.
    public func values() -> [HostTensor] {
        inputs.enumerated().map { i, input in
            HostTensor(input.shape, randomValues(input.shape.count, input.draw, seed: stableSeed(name) &+ UInt64(i)))
        }
    }

    /// The outputs of the op on `backend`, on the host.
    public func outputs(on backend: any Backend) -> [HostTensor] {
        let tensors = values().map { backend.upload($0.values, shape: $0.shape) }
        return run(backend, tensors).map { HostTensor($0, on: backend) }
    }
}

/// A convolution's sizes.
public struct ConvCase: Sendable {
    public let input: Shape, out: Int, kernel: Int, stride: Int, pad: Int
    public var geometry: ConvGeometry { ConvGeometry(stride: stride, padding: pad) }
    public var weight: Shape { Shape(out, input.c, kernel, kernel) }
    public var output: Shape {
        Shape(input.n, out, (input.h + 2 * pad - kernel) / stride + 1, (input.w + 2 * pad - kernel) / stride + 1)
    }
    public var name: String { "\(input) -> \(out) k\(kernel) s\(stride) p\(pad)" }
}

extension OpCase {
    /// Every case of every op.
    public static let all: [OpCase] = convolutions + normalisation + elementwise + reductions + layout + pooling + optimiser

    /// Convolution sizes: 1x1, 3x3 (Winograd on the CPU: partial tiles at the far edges, each
    /// padding, tile blocks that end inside a sample, more rows than one im2col band, wide
    /// channel counts that split a weight gradient across workgroups), strided 4x4 and 3x3, 5x5.
    public static let convCases = [
        ConvCase(input: Shape(2, 3, 7, 6), out: 4, kernel: 3, stride: 1, pad: 1),
        ConvCase(input: Shape(2, 5, 6, 5), out: 3, kernel: 1, stride: 1, pad: 0),
        ConvCase(input: Shape(2, 3, 8, 6), out: 2, kernel: 4, stride: 2, pad: 1),
        ConvCase(input: Shape(1, 2, 9, 7), out: 3, kernel: 3, stride: 2, pad: 0),
        ConvCase(input: Shape(1, 2, 5, 5), out: 2, kernel: 5, stride: 1, pad: 2),
        ConvCase(input: Shape(1, 1, 4, 4), out: 1, kernel: 3, stride: 1, pad: 1),
        ConvCase(input: Shape(2, 3, 9, 7), out: 5, kernel: 3, stride: 1, pad: 0),
        ConvCase(input: Shape(1, 2, 5, 11), out: 3, kernel: 3, stride: 1, pad: 2),
        ConvCase(input: Shape(2, 70, 24, 24), out: 66, kernel: 3, stride: 1, pad: 1),
        ConvCase(input: Shape(1, 64, 40, 48), out: 3, kernel: 3, stride: 1, pad: 1),
    ]

    static var convolutions: [OpCase] {
        // Winograd's transforms and long dot products round with the largest output.
        let forward = Tolerance(rtol: 1e-4, atol: 1e-5, atolPerLargest: 3e-5)
        let cases = convCases.flatMap { t in [
            OpCase(name: "conv2d \(t.name)", inputs: [.init(t.input), .init(t.weight), .init(Shape(1, t.out, 1, 1))],
                   tolerance: forward,
                   run: { b, x in [b.conv2d(x[0], weight: x[1], bias: x[2], geometry: t.geometry)] },
                   reference: { x in [Reference.conv(x[0], x[1], x[2], stride: t.stride, pad: t.pad)] }),
            OpCase(name: "conv2d backward \(t.name)", inputs: [.init(t.output), .init(t.weight), .init(t.input)],
                   tolerance: forward,
                   run: { b, x in [b.conv2dBackwardInput(x[0], weight: x[1], inputShape: t.input, geometry: t.geometry),
                                   b.conv2dBackwardWeight(x[0], input: x[2], weightShape: t.weight, geometry: t.geometry)] },
                   reference: { x in [Reference.convBackwardInput(x[0], x[1], inputShape: t.input, stride: t.stride, pad: t.pad),
                                      Reference.convBackwardWeight(x[0], x[2], weightShape: t.weight, stride: t.stride, pad: t.pad)] }),
        ] }
        // The decoder's concatenation read in place: two parts of unequal channel counts over two
        // samples (each part's sample stride differs), and three; stride 2 goes through a copy.
        let concatenations = [([3, 5], 1), ([4, 1, 2], 1), ([3, 5], 2)].map { channels, stride in
            let parts = channels.map { OpCase.Input(Shape(2, $0, 9, 10)) }
            let weight = Shape(4, channels.reduce(0, +), 3, 3)
            return OpCase(name: "conv2d of concatenation \(channels) s\(stride)", inputs: parts + [.init(weight), .init(Shape(1, 4, 1, 1))],
                          tolerance: forward,
                          run: { b, x in [b.conv2d(concatenating: Array(x.dropLast(2)), weight: x[x.count - 2], bias: x.last!,
                                                   geometry: ConvGeometry(stride: stride, padding: 1))] },
                          reference: { x in
                              let joined = HostTensor(Shape(2, weight.c, 9, 10), concatenated(Array(x.dropLast(2))))
                              return [Reference.conv(joined, x[x.count - 2], x.last!, stride: stride, pad: 1)]
                          })
        }
        let transposed = [(2, 0, 2), (3, 1, 2), (4, 1, 2), (3, 1, 1)].map { kernel, pad, stride in
            OpCase(name: "convTranspose2d k\(kernel) s\(stride) p\(pad)",
                   inputs: [.init(Shape(2, 3, 4, 5)), .init(Shape(3, 2, kernel, kernel)), .init(Shape(1, 2, 1, 1))],
                   tolerance: Tolerance(rtol: 1e-4, atol: 1e-4),
                   run: { b, x in [b.convTranspose2d(x[0], weight: x[1], bias: x[2], geometry: ConvGeometry(stride: stride, padding: pad))] },
                   reference: { x in [Reference.convTranspose(x[0], x[1], x[2], stride: stride, pad: pad)] })
        }
        return cases + concatenations + transposed
    }

    /// Small planes and planes longer than a workgroup or summation block; with and without a
    /// fused rectifier (the backward op is the norm's alone).
    static var normalisation: [OpCase] {
        let gamma = OpCase.Input(Shape(1, 3, 1, 1), .values([0.5, 1, -2]))
        let beta = OpCase.Input(Shape(1, 3, 1, 1), .values([0, 0.25, 1]))
        let rectifiers: [Rectifier?] = [nil, .relu, .leakyRelu(slope: 0.2)]
        return [Shape(2, 3, 5, 4), Shape(1, 3, 33, 40)].flatMap { shape in
            rectifiers.map { rectifier in
                OpCase(name: "instanceNorm \(shape) \(rectifier.map { "\($0)" } ?? "plain")",
                       inputs: [.init(shape, .uniform(2...5)), gamma, beta],
                       tolerance: Tolerance(rtol: 1e-4, atol: 1e-4),
                       run: { b, x in
                           let r = b.instanceNorm(x[0], gamma: x[1], beta: x[2], epsilon: 1e-5, rectifier: rectifier)
                           return [r.y, r.mean, r.invStd]
                       },
                       reference: { x in
                           let (mean, invStd) = Reference.planeStatistics(x[0], eps: 1e-5)
                           return [Reference.instanceNorm(x[0], x[1], x[2], eps: 1e-5, rectifier: rectifier), mean, invStd]
                       })
            } + [OpCase(name: "instanceNorm backward \(shape)", inputs: [.init(shape), .init(shape, .uniform(2...5)), gamma],
                        tolerance: Tolerance(rtol: 1e-3, atol: 1e-4),
                        run: { b, x in
                            let beta = b.zeros(Shape(1, 3, 1, 1))
                            let f = b.instanceNorm(x[1], gamma: x[2], beta: beta, epsilon: 1e-5, rectifier: nil)
                            let r = b.instanceNormBackward(x[0], x: x[1], gamma: x[2], mean: f.mean, invStd: f.invStd)
                            return [r.dx, r.dGamma, r.dBeta]
                        },
                        reference: { x in Reference.instanceNormBackward(x[0], x[1], x[2], eps: 1e-5) })]
        }
    }

    static var elementwise: [OpCase] {
        let ops: [Pointwise] = [.relu, .leakyRelu(slope: 0.2), .tanh, .sigmoid, .log, .abs, .softplus]
        let shape = Shape(2, 3, 5, 7)
        let pointwise = ops.map { op in
            // Away from the kinks of relu and abs; positive for log; wide enough to saturate tanh.
            let values = randomValues(shape.count, .uniform(0.1...12), seed: 12).enumerated().map { i, v in
                op == .log || i % 2 == 0 ? v : -v
            }
            return OpCase(name: "pointwise \(op)", inputs: [.init(shape, .values(values)), .init(shape)],
                          tolerance: Tolerance(rtol: 1e-5, atol: 1e-6),
                          run: { b, x in
                              let y = b.pointwise(x[0], op)
                              return [y, b.pointwiseBackward(x[1], x: x[0], y: y, op)]
                          },
                          reference: { x in
                              let at = x[0].values.map { Reference.pointwise(op, Double($0)) }
                              return [at.map(\.value), zip(at, x[1].values).map { $0.derivative * Double($1) }]
                          })
        }
        // Softplus far out on both sides, where a naive log(1 + exp(x)) overflows or loses x.
        let softplus = OpCase(name: "softplus of wide values", inputs: [.init(Shape(1, 1, 1, 5), .values([-100, -3, 0, 2, 100]))],
                              tolerance: Tolerance(rtol: 1e-5, atol: 1e-6),
                              run: { b, x in [b.pointwise(x[0], .softplus)] },
                              reference: { x in [x[0].values.map { Reference.pointwise(.softplus, Double($0)).value }] })
        let affine = OpCase(name: "affine", inputs: [.init(Shape(2, 3, 4, 5))], tolerance: Tolerance(rtol: 1e-6, atol: 1e-7),
                            run: { b, x in [b.affine(x[0], scale: -1.5, shift: 0.25)] },
                            reference: { x in [x[0].values.map { -1.5 * Double($0) + 0.25 }] })
        let shapes = [(Shape(2, 3, 4, 5), Shape(2, 3, 4, 5)), (Shape(2, 3, 4, 5), Shape(1, 3, 1, 1)),
                      (Shape(2, 1, 4, 5), Shape(1, 3, 1, 5)), (Shape.scalar, Shape(2, 3, 4, 1)), (Shape(1, 3, 1, 5), Shape(2, 3, 4, 5))]
        let binary = [Binary.add, .sub, .mul, .div].flatMap { op in
            shapes.map { sa, sb in
                OpCase(name: "binary \(sa) \(op) \(sb)", inputs: [.init(sa), .init(sb, .uniform(0.5...2))],
                       tolerance: Tolerance(rtol: 1e-6, atol: 1e-7),
                       run: { b, x in [b.binary(x[0], x[1], op)] },
                       reference: { x in [Reference.binary(x[0], x[1], op)] })
            }
        }
        let laplacian = OpCase(name: "laplacian", inputs: [.init(Shape(2, 2, 5, 6))], tolerance: Tolerance(rtol: 1e-6, atol: 1e-6),
                               run: { b, x in [b.laplacian(x[0])] }, reference: { x in [Reference.laplacian(x[0])] })
        return pointwise + [softplus, affine] + binary + [laplacian]
    }

    /// Short sums (one invocation per target) and long ones (split into chunks, then their totals).
    static var reductions: [OpCase] {
        let sums = [(Shape(2, 3, 4, 5), Shape.scalar), (Shape(2, 3, 4, 5), Shape(1, 3, 1, 1)), (Shape(2, 3, 4, 5), Shape(2, 3, 1, 1)),
                    (Shape(2, 3, 4, 5), Shape(1, 3, 4, 5)), (Shape(2, 3, 4, 5), Shape(2, 1, 4, 1)), (Shape(2, 3, 4, 5), Shape(1, 1, 4, 5)),
                    (Shape(3, 2, 100, 110), Shape.scalar), (Shape(3, 2, 100, 110), Shape(1, 2, 1, 1)), (Shape(3, 5, 100, 101), Shape.scalar)]
            .map { source, target in
                OpCase(name: "sum \(source) to \(target)", inputs: [.init(source)], tolerance: Tolerance(rtol: 1e-4, atol: 1e-3),
                       run: { b, x in [b.sum(x[0], to: target)] }, reference: { x in [Reference.sum(x[0], to: target)] })
            }
        // Softmax over channels and its log; wide logits (where softmax underflows to 0 but its
        // log stays finite) and more pixels than one run of the CPU's loop.
        let softmaxes = [(Shape(2, 4, 3, 5), Float(30)), (Shape(2, 4, 3, 5), 60), (Shape(2, 3, 40, 30), 1)].flatMap { shape, spread in
            [false, true].map { log in
                OpCase(name: "\(log ? "logSoftmax" : "softmax") \(shape) in ±\(spread)", inputs: [.init(shape, .uniform(-spread...spread)), .init(shape)],
                       tolerance: Tolerance(rtol: 1e-5, atol: 1e-5),
                       run: { b, x in
                           let y = log ? b.logSoftmaxChannels(x[0]) : b.softmaxChannels(x[0])
                           return [y, log ? b.logSoftmaxChannelsBackward(x[1], y: y) : b.softmaxChannelsBackward(x[1], y: y)]
                       },
                       reference: { x in
                           let y = Reference.softmax(x[0], log: log)
                           return [y, Reference.softmaxBackward(x[1], HostTensor(x[0].shape, y.map(Float.init)), log: log)]
                       })
            }
        }
        return sums + softmaxes
    }

    static var layout: [OpCase] {
        [OpCase(name: "concatChannels and sliceChannels", inputs: [.init(Shape(2, 2, 3, 3)), .init(Shape(2, 3, 3, 3))], tolerance: .exact,
                run: { b, x in
                    let joined = b.concatChannels([x[0], x[1]])
                    return [joined, b.sliceChannels(joined, 1..<4)]
                },
                reference: { x in
                    let joined: [Float] = concatenated(x)
                    let plane = 9
                    var sliced: [Float] = []
                    for n in 0..<2 { sliced += joined[((n * 5 + 1) * plane)..<((n * 5 + 4) * plane)] }
                    return [joined.map { Double($0) }, sliced.map { Double($0) }]
                })]
    }

    /// Distinct values (no ties), with overlapping windows in the last two cases.
    static var pooling: [OpCase] {
        [(2, 2, 0), (5, 1, 2), (3, 2, 1)].map { kernel, stride, pad in
            let geometry = PoolGeometry(kernel: kernel, stride: stride, padding: pad)
            let shape = Shape(2, 3, 8, 6)
            let output = Shape(2, 3, (8 + 2 * pad - kernel) / stride + 1, (6 + 2 * pad - kernel) / stride + 1)
            return OpCase(name: "maxPool2d k\(kernel) s\(stride) p\(pad)", inputs: [.init(shape, .distinct), .init(output)],
                          tolerance: Tolerance(rtol: 1e-6, atol: 1e-6),
                          run: { b, x in
                              let (y, argmax) = b.maxPool2d(x[0], geometry: geometry)
                              return [y, argmax, b.maxPool2dBackward(x[1], argmax: argmax, inputShape: shape)]
                          },
                          reference: { x in Reference.maxPool(x[0], x[1], kernel: kernel, stride: stride, pad: pad) })
        }
    }

    static var optimiser: [OpCase] {
        let shape = Shape(3, 4, 5, 1)
        let step = AdamStep(learningRate: 1e-2, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 1e-4, t: 3)
        return [OpCase(name: "adam", inputs: [.init(shape), .init(shape), .init(shape, .uniform(-0.1...0.1)), .init(shape, .uniform(0...0.01))],
                       tolerance: Tolerance(rtol: 1e-5, atol: 1e-7),
                       run: { b, x in
                           let r = b.adam(x[0], gradient: x[1], m: x[2], v: x[3], step: step)
                           return [r.value, r.m, r.v]
                       },
                       reference: { x in Reference.adam(x[0], x[1], x[2], x[3], step: step) })]
    }
}

/// The channel concatenation of NCHW tensors with equal N, H and W.
func concatenated(_ parts: [HostTensor]) -> [Float] {
    let n = parts[0].shape.n
    return (0..<n).flatMap { s in
        parts.flatMap { p in p.values[(s * p.shape.c * p.shape.planeSize)..<((s + 1) * p.shape.c * p.shape.planeSize)] }
    }
}

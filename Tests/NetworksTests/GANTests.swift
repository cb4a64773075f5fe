import Compute
import Foundation
import Testing
@testable import Networks

@Suite struct GANTests {
    let backend = CPUBackend()

    @Test func parameterNamesAndShapes() {
        let gan = InpaintingGAN(backend: backend)
        let g = Dictionary(uniqueKeysWithValues: gan.generator.parameters.map { ($0.name, $0.torchShape) })
        #expect(g["enc1.conv1.weight"] == [32, 2, 3, 3])       // T1 + mask in
        #expect(g["enc2.conv2.weight"] == [64, 64, 3, 3])
        #expect(g["bottleneck.conv1.weight"] == [128, 64, 3, 3])
        #expect(g["up2.weight"] == [128, 64, 2, 2])            // IOHW
        #expect(g["dec1.conv1.weight"] == [32, 64, 3, 3])
        #expect(g["head.weight"] == [1, 32, 1, 1])              // a 1x1 convolution to one channel keeps its four axes
        #expect(gan.exportWeights(backend: backend).first { $0.name == "generator.head.weight" }?.shape == [1, 32, 1, 1])
        #expect(g["head.bias"] == [1])
        let d = Dictionary(uniqueKeysWithValues: gan.discriminator.parameters.map { ($0.name, $0.torchShape) })
        #expect(d["conv1.weight"] == [32, 2, 4, 4])            // occluded + candidate in
        #expect(d["conv1.bias"] == [32])
        #expect(d["conv2.weight"] == [64, 32, 4, 4])
        #expect(d["conv2.bias"] == nil)                         // followed by instance norm
        #expect(d["norm2.weight"] == [64])
        #expect(d["norm1.weight"] == nil)                       // no norm on the first layer
        #expect(d["conv3.weight"] == [128, 64, 4, 4])
        #expect(d["head.weight"] == [1, 128, 3, 3])
        #expect(d["head.bias"] == [1])
        // Counts as documented in docs/model-format.md.
        #expect(gan.generator.parameters.reduce(0) { $0 + $1.value.count } == 466_881)
        #expect(gan.discriminator.parameters.reduce(0) { $0 + $1.value.count } == 166_433)
    }

    @Test func discriminatorOutputGrid() {
        let config = GANConfiguration(imageChannels: 2, generatorWidths: [4, 8], discriminatorWidths: [4, 8, 8])
        let d = PatchDiscriminator(config, backend: backend)
        #expect(config.patchStride == 8)
        #expect(d.outputSize(height: 32, width: 24) == (4, 3))
        let g = Graph(backend: backend, recording: false)
        let x = g.constant(backend.full(Shape(3, 2, 32, 24), value: 0.3))
        let p = d(g, occluded: x, candidate: x)
        #expect(p.shape == Shape(3, 1, 4, 3))
        #expect(backend.download(p.value).allSatisfy { $0 > 0 && $0 < 1 })
    }

    @Test func generatorKeepsTheImageShapeInTanhRange() {
        let config = GANConfiguration(imageChannels: 4, generatorWidths: [4, 8, 8], discriminatorWidths: [4])
        let gen = InpaintingGenerator(config, backend: backend, seed: 2)
        let g = Graph(backend: backend, recording: false)
        let x = g.constant(backend.upload((0..<(2 * 4 * 8 * 12)).map { Float($0 % 7) / 7 }, shape: Shape(2, 4, 8, 12)))
        let m = g.constant(backend.full(Shape(2, 1, 8, 12), value: 1))
        let y = gen(g, occluded: x, mask: m)
        #expect(y.shape == Shape(2, 4, 8, 12))
        #expect(backend.download(y.value).allSatisfy { $0 > -1 && $0 < 1 })
    }

    @Test func frozenWeightsGetNoGradientButInputsDo() {
        let config = GANConfiguration(imageChannels: 1, generatorWidths: [4, 8], discriminatorWidths: [4, 8])
        let gan = InpaintingGAN(config, backend: backend, seed: 5)
        let x = backend.upload((0..<64).map { Float($0 % 5) / 5 }, shape: Shape(1, 1, 8, 8))
        let m = backend.full(Shape(1, 1, 8, 8), value: 0.5)
        func gradients(freezing frozen: [any Module]) -> (Gradients, Variable) {
            let g = Graph(backend: backend)
            frozen.forEach(g.freeze)
            let input = g.input(x)
            let y = gan.generator(g, occluded: input, mask: g.constant(m))
            return (g.backward(g.sum(gan.discriminator(g, occluded: input, candidate: y))), input)
        }
        let (frozen, input) = gradients(freezing: [gan.generator, gan.discriminator])
        #expect(frozen.parameters.isEmpty)
        #expect(frozen[input] != nil)
        // Freezing one network leaves the other's weights trainable.
        let (generatorOnly, _) = gradients(freezing: [gan.generator])
        #expect(Set(generatorOnly.parameters.map(\.parameter.name)) == Set(gan.discriminator.parameters.map(\.name)))
    }

    @Test func weightsRoundTripWithPrefixesAndMetadata() throws {
        let config = GANConfiguration(imageChannels: 4, generatorWidths: [4, 8], discriminatorWidths: [4, 8])
        let gan = InpaintingGAN(config, backend: backend, seed: 7)
        let tensors = gan.exportWeights(backend: backend)
        #expect(tensors.first?.name == "generator.enc1.conv1.weight")
        #expect(tensors.contains { $0.name == "discriminator.head.bias" })
        let path = FileManager.default.temporaryDirectory.path + "/gan-\(UInt64.random(in: 0...UInt64.max)).safetensors"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SafeTensors.write(tensors, as: .f32, metadata: config.metadata, to: path)
        let (loaded, metadata) = try InpaintingGAN.load(path: path, backend: backend)
        #expect(loaded.configuration == config)
        #expect(metadata["architecture"] == "ganet-seg-gan")
        #expect(loaded.exportWeights(backend: backend) == tensors)

        // A U-Net file (no prefixes) is refused with the stray names.
        let other = InpaintingGAN(config, backend: backend)
        let unprefixed = SafeTensors.Contents(tensors: gan.generator.exportWeights(backend: backend), metadata: [:], sha256: "")
        #expect(throws: WeightsError.self) { try other.loadWeights(unprefixed, path: "x", backend: backend) }
    }
}

import Compute
import Foundation
import Testing
@testable import Networks

@Suite struct UNetTests {
    let backend = CPUBackend()

    @Test func parameterNamesAndShapesFollowPyTorch() {
        let unet = UNet(backend: backend)
        let shapes = Dictionary(uniqueKeysWithValues: unet.parameters.map { ($0.name, $0.torchShape) })
        #expect(shapes["enc1.conv1.weight"] == [64, 4, 3, 3])
        #expect(shapes["enc1.norm1.weight"] == [64])
        #expect(shapes["bottleneck.conv2.weight"] == [320, 320, 3, 3])
        #expect(shapes["up3.weight"] == [320, 256, 2, 2])   // ConvTranspose2d: IOHW
        #expect(shapes["up3.bias"] == [256])
        #expect(shapes["dec3.conv1.weight"] == [256, 512, 3, 3])
        #expect(shapes["dec1.conv2.weight"] == [64, 64, 3, 3])
        #expect(shapes["head.weight"] == [4, 64, 1, 1])
        #expect(shapes["head.bias"] == [4])
        #expect(shapes["enc1.conv1.bias"] == nil)   // no bias before instance norm
        #expect(unet.parameters.count == Set(unet.parameters.map(\.name)).count)
        let count = unet.parameters.reduce(0) { $0 + $1.value.count }
        // Counted independently: per block 9 i o + 9 o o + 4 o (two convolutions, two affine norms).
        #expect(count == 5_623_492)
    }

    @Test func forwardShape() {
        let unet = UNet(UNetConfiguration(widths: [4, 8], bottleneck: 8), backend: backend)
        let g = Graph(backend: backend, recording: false)
        let x = g.constant(backend.full(Shape(2, 4, 16, 12), value: 0.5))
        #expect(unet(g, x).shape == Shape(2, 4, 16, 12))
    }

    @Test func xavierBoundsAndDeterminism() {
        var a = Initializer(seed: 3), b = Initializer(seed: 3)
        let values = a.xavier(count: 1000, fanIn: 36, fanOut: 576)
        #expect(values == b.xavier(count: 1000, fanIn: 36, fanOut: 576))
        let bound = Float(sqrt(6.0 / 612))
        #expect(values.allSatisfy { abs($0) <= bound })
        #expect(values.max()! > 0.9 * bound)
    }

    @Test func flopCountOfTheDefaultNetwork() {
        // Per 192 x 160 slice: encoder 9.20 G, bottleneck 1.59 G, decoder 21.72 G (summed by hand from
        // the layer list: 2 * pixels * in * out * k * k per convolution).
        let flops = UNetConfiguration().forwardFLOPs(height: 192, width: 160)
        #expect(abs(flops - 32.515e9) < 0.001e9)
    }
}

@Suite struct WeightsTests {
    let backend = CPUBackend()

    @Test func safetensorsRoundTripF32AndF16() throws {
        let tensors = [NamedTensor(name: "a.weight", shape: [2, 3], values: [1, -2, 0.5, 3.25, 0, 7]),
                       NamedTensor(name: "b", shape: [1], values: [0.1])]
        let f32 = try SafeTensors.decode(try SafeTensors.encode(tensors, as: .f32, metadata: ["k": "v"]))
        #expect(f32.tensors == tensors)
        #expect(f32.metadata == ["k": "v"])
        let f16 = try SafeTensors.decode(try SafeTensors.encode(tensors, as: .f16, metadata: [:]))
        #expect(f16["a.weight"]!.values == [1, -2, 0.5, 3.25, 0, 7])   // exact in half precision
        #expect(abs(f16["b"]!.values[0] - 0.1) < 1e-4)
    }

    @Test func layoutIsTheSafetensorsSpec() throws {
        let bytes = try SafeTensors.encode([NamedTensor(name: "x", shape: [2], values: [1, 2])], as: .f32, metadata: [:])
        let n = Int(bytes[0]) | Int(bytes[1]) << 8
        #expect(n % 8 == 0)
        let header = String(decoding: bytes[8..<8 + n], as: UTF8.self)
        #expect(header.contains("\"x\":{\"data_offsets\":[0,8],\"dtype\":\"F32\",\"shape\":[2]}"))
        #expect(Array(bytes[(8 + n)...]) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40])   // 1.0f, 2.0f little-endian
    }

    @Test func rejectsMalformedFiles() {
        #expect(throws: SafeTensors.Error.malformed(path: "<memory>", reason: "shorter than 8 bytes")) {
            try SafeTensors.decode([1, 2, 3])
        }
        #expect(throws: SafeTensors.Error.malformed(path: "<memory>", reason: "header length 1000 exceeds the file")) {
            try SafeTensors.decode([0xE8, 3, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D])
        }
    }

    @Test func networkWeightsRoundTrip() throws {
        let config = UNetConfiguration(widths: [4, 8], bottleneck: 8)
        let a = UNet(config, backend: backend, seed: 1)
        let b = UNet(config, backend: backend, seed: 2)
        let contents = try SafeTensors.decode(try SafeTensors.encode(a.exportWeights(backend: backend), as: .f32, metadata: [:]))
        try b.loadWeights(contents, path: "m", backend: backend)
        #expect(b.exportWeights(backend: backend) == a.exportWeights(backend: backend))
    }

    @Test func wrongArchitectureIsAClearError() throws {
        let small = UNet(UNetConfiguration(widths: [4, 8], bottleneck: 8), backend: backend)
        let other = UNet(UNetConfiguration(widths: [4, 8], bottleneck: 16), backend: backend)
        let contents = try SafeTensors.decode(try SafeTensors.encode(small.exportWeights(backend: backend), as: .f32, metadata: [:]))
        #expect(throws: WeightsError.shapeMismatch(name: "bottleneck.conv1.weight", expected: [16, 8, 3, 3],
                                                   found: [8, 8, 3, 3], path: "m.safetensors")) {
            try other.loadWeights(contents, path: "m.safetensors", backend: backend)
        }
    }

    @Test func sha256KnownVectors() {
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(SHA256.hex(of: long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// FIPS 180-2's million-"a" vector, fed in pieces that straddle block boundaries every way.
    @Test(arguments: [1, 7, 63, 64, 65, 1000, 1_000_000])
    func sha256OverPieces(_ piece: Int) {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hasher = SHA256.Hasher()
        million.withUnsafeBytes { raw in
            for start in stride(from: 0, to: raw.count, by: piece) {
                hasher.update(UnsafeRawBufferPointer(rebasing: raw[start..<min(start + piece, raw.count)]))
            }
        }
        #expect(hasher.finalize() == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }
}

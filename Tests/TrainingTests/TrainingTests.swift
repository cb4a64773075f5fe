import Compute
import Glibc
import Networks
@testable import Pipeline
import Randomness
import Volumes
import Testing
@testable import Training

@Suite struct LossTests {
    let backend = CPUBackend()

    /// Two pixels, two classes; logits (0, ln 3) and (0, 0): probabilities (1/4, 3/4) and (1/2, 1/2).
    /// Targets class 1 and class 0. CE = -(ln 3/4 + ln 1/2) / 2 = 0.490415...
    /// Dice of class 1 with smoothing 1: (2 * 3/4 + 1) / (3/4 + 1/2 + 1 + 1) = 2.5 / 3.25 = 10/13 -> loss 3/13.
    @Test func handComputedValues() {
        let g = Graph(backend: backend)
        let logits = g.constant(backend.upload([0, 0, Float(log(3.0)), 0], shape: Shape(1, 2, 1, 2)))
        let target = g.constant(backend.upload([0, 1, 1, 0], shape: Shape(1, 2, 1, 2)))
        let terms = SegmentationLoss()(g, logits: logits, target: target)
        let ce = -(log(0.75) + log(0.5)) / 2
        #expect(abs(Double(backend.scalar(terms.crossEntropy.value)) - ce) < 1e-6)
        #expect(abs(Double(backend.scalar(terms.dice.value)) - 3.0 / 13) < 1e-6)
        #expect(abs(Double(backend.scalar(terms.total.value)) - (ce + 3.0 / 13)) < 1e-6)
    }

    @Test func oneHotLayout() {
        #expect(oneHot([[1, 0]], count: 2, height: 1, width: 2) == [0, 1, 1, 0])
    }

    @Test func polynomialDecay() {
        let d = PolynomialDecay(initial: 1e-3, totalSteps: 100, power: 0.75)
        #expect(d.rate(at: 0) == 1e-3)
        #expect(abs(d.rate(at: 50) - 1e-3 * Float(pow(0.5, 0.75))) < 1e-9)
        #expect(d.rate(at: 100) == 0)
    }

    @Test func regionDice() {
        // truth: NCR, ED, ET, bg; prediction: ET, ED, ET, ED
        let d = RegionDice(predicted: [3, 2, 3, 2], truth: [1, 2, 3, 0])
        #expect(d.wt == 2.0 * 3 / 7)
        #expect(d.tc == 1.0)          // {0, 2} both sides
        #expect(d.et == 2.0 * 1 / 3)
    }
}

@Suite struct TrainingSetTests {
    /// A 4x4 window, 4 slices of brain; slice 1 has tumour, the others none.
    func study() -> PreprocessedStudy {
        let window = CropWindow(origin: [0, 0, 0], size: [4, 4, 4])
        var labels = [UInt8](repeating: 0, count: 64)
        labels[16 + 5] = 2
        let geometry = Geometry.axisAligned(dims: [4, 4, 4], spacing: [1, 1, 1], origin: [0, 0, 0])
        return PreprocessedStudy(id: "s", inputGeometry: geometry, reorientation: .identity, window: window,
                                 channels: [[Float]](repeating: [Float](repeating: 0.5, count: 64), count: 4),
                                 brainMask: [Bool](repeating: true, count: 64), labels: labels, brainSlices: [0, 1, 2, 3])
    }

    @Test func tumourSlicesOnlyByDefault() {
        let set = TrainingSet(studies: [study()])
        #expect(set.samples.count == 1 && set.samples[0].classes[5] == 2)
    }

    @Test func emptySlicesUpToTheirShare() {
        // 1 tumour slice; share 0.5 -> 1 empty slice; share 0.75 -> 3 (all there are).
        #expect(TrainingSet(studies: [study()], emptyShare: 0.5).samples.count == 2)
        #expect(TrainingSet(studies: [study()], emptyShare: 0.75).samples.count == 4)
        #expect(TrainingSet(studies: [study()], emptyShare: 0.9).samples.count == 4)
    }
}

@Suite struct AugmenterTests {
    @Test func plainPatchCopiesTheCentre() {
        var values = [Float](repeating: 0, count: 16 * 16)
        var classes = [UInt8](repeating: 0, count: 16 * 16)
        for y in 6..<10 { for x in 6..<10 { values[y * 16 + x] = 1; classes[y * 16 + x] = 3 } }
        let sample = SliceSample(image: values, classes: classes, height: 16, width: 16)
        var augmenter = Augmenter(patchSize: 8)
        augmenter.enabled = false
        var rng = RandomSource(seed: 1)
        let p = augmenter.patch(from: sample, using: &rng)
        #expect(p.height == 8 && p.image.count == 64)
        // Image and classes stay aligned: every tumour class pixel carries the tumour's intensity.
        for i in 0..<64 { #expect((p.classes[i] == 3) == (p.image[i] == 1)) }
        #expect(p.classes.contains(3))
    }
}

@Suite struct OverfitTests {
    /// A tiny U-Net learns three synthetic slices (two blobs per slice, classes 1-3) to Dice > 0.95.
    @Test func tinyUNetOverfitsAFewSlices() {
        let backend = CPUBackend()
        let unet = UNet(UNetConfiguration(inputChannels: 4, classes: 4, widths: [8, 16], bottleneck: 16), backend: backend, seed: 4)
        var options = TrainingOptions()
        options.run.learningRate = 1e-2
        options.run.weightDecay = 0
        let trainer = Trainer(network: unet, backend: backend, options: options)
        var rng = RandomSource(seed: 9)
        let n = 16
        let samples: [SliceSample] = (0..<3).map { _ in
            var image = [Float](repeating: 0, count: 4 * n * n)
            var classes = [UInt8](repeating: 0, count: n * n)
            let (cx, cy) = (Double(rng.uniform(5...10)), Double(rng.uniform(5...10)))
            for y in 0..<n {
                for x in 0..<n {
                    let r = ((Double(x) - cx) * (Double(x) - cx) + (Double(y) - cy) * (Double(y) - cy)).squareRoot()
                    let c: UInt8 = r < 1.5 ? 1 : r < 3 ? 3 : r < 4.5 ? 2 : 0
                    classes[y * n + x] = c
                    for ch in 0..<4 { image[ch * n * n + y * n + x] = 0.2 + 0.2 * Float(c) * Float(ch + 1) / 4 }
                }
            }
            return SliceSample(image: image, classes: classes, height: n, width: n)
        }
        for _ in 0..<150 { _ = trainer.step(samples, learningRate: 1e-2) }
        let g = Graph(backend: backend, recording: false)
        let x = g.constant(backend.upload(samples.flatMap(\.image), shape: Shape(3, 4, n, n)))
        let logits = backend.download(unet(g, x).value)
        var predicted: [UInt8] = []
        for s in 0..<3 {
            for p in 0..<n * n {
                let scores = (0..<4).map { logits[(s * 4 + $0) * n * n + p] }
                predicted.append(UInt8(scores.indices.max { scores[$0] < scores[$1] }!))
            }
        }
        let dice = RegionDice(predicted: predicted, truth: samples.flatMap(\.classes))
        #expect(dice.wt > 0.95 && dice.tc > 0.95 && dice.et > 0.95, "Dice \(dice)")
    }
}

import Dispatch
import Glibc
import Randomness
import Synchronization

/// How widely each appearance parameter of a synthesised study varies (domain randomisation).
public struct AppearanceRanges: Sendable, Equatable {
    /// Log-normal spread of each label's mean signal per modality around `ContrastPrior`.
    public var contrastJitter = 0.18
    /// Within-label standard deviation as a share of the label's mean.
    public var withinLabelSpread: ClosedRange<Double> = 0.03...0.12
    /// Log-normal spread of a per-label gain on real channels (changes contrast, keeps texture).
    public var realLabelJitter = 0.07
    /// Chance that a modality with a real image is synthesised from the label map all the same.
    public var synthesiseRealShare = 0.15
    /// Peak amplitude (log scale) of the smooth multiplicative bias field, per axis.
    public var biasAmplitude: ClosedRange<Double> = 0...0.25
    /// Log-normal spread of the gamma applied to each modality.
    public var gammaSpread = 0.2
    /// Gaussian noise as a share of the white-matter level.
    public var noise: ClosedRange<Double> = 0...0.05
    /// Chance of thick slices (a moving average along one axis, 2-5 voxels wide).
    public var thickSliceChance = 0.2

    public init() {}
}

/// A synthesised study: four modalities and the network's classes, on the source's grid.
public struct SynthesizedStudy: Sendable {
    public let id: String
    public let dims: [Int]
    /// T1, T1ce, T2, FLAIR; 0 outside the brain, positive inside.
    public let images: [[Float]]
    /// 0 background, 1 NCR, 2 ED, 3 ET.
    public let classes: [UInt8]

    public init(id: String, dims: [Int], images: [[Float]], classes: [UInt8]) {
        self.id = id
        self.dims = dims
        self.images = images
        self.classes = classes
    }
}

/// Synthesises four-modality studies from a label map with randomised appearance, after SynthSeg
/// (Billot et al. 2023): each label's signal is drawn per study and modality around a prior, real
/// images are used where the source has them (with their own contrast jittered), and every study
/// gets its own bias field, gamma, noise and, sometimes, thick slices.
public struct VolumeSynthesizer: Sendable {
    public var ranges: AppearanceRanges

    public init(ranges: AppearanceRanges = AppearanceRanges()) {
        self.ranges = ranges
    }

    public func synthesize(_ source: LabelMapSource, using rng: inout RandomSource) -> SynthesizedStudy {
        let seeds = (0..<4).map { _ in rng.next() }
        let id = source.id
        let results = Mutex([[Float]?](repeating: nil, count: 4))
        DispatchQueue.concurrentPerform(iterations: 4) { m in
            var local = RandomSource(seed: seeds[m])
            let image = channel(m, of: source, using: &local)
            results.withLock { $0[m] = image }
        }
        let images = results.withLock { $0.map { $0! } }
        return SynthesizedStudy(id: id, dims: source.dims, images: images,
                                classes: source.labels.map(SynthesisLabel.trainingClass))
    }

    /// One modality of one study.
    func channel(_ m: Int, of source: LabelMapSource, using rng: inout RandomSource) -> [Float] {
        let labels = source.labels
        let count = labels.count
        let level = Double(source.whiteMatterLevel[m])
        let labelCount = SynthesisLabel.allCases.count
        let real = rng.uniform(0...1) >= ranges.synthesiseRealShare ? source.channels[m] : nil

        var image = [Float](repeating: 0, count: count)
        let needsSynthesis = real == nil || source.validReal != nil
        if needsSynthesis {
            let means = (0..<labelCount).map { l in
                Float(ContrastPrior.relativeToWhiteMatter[m][l] * exp(ranges.contrastJitter * rng.gaussian()) * level)
            }
            let spreads = (0..<labelCount).map { means[$0] * Float(rng.uniform(ranges.withinLabelSpread)) }
            for i in 0..<count { image[i] = means[Int(labels[i])] }
            // Partial volume at label boundaries.
            smooth(&image, dims: source.dims, axis: 0, width: 3)
            smooth(&image, dims: source.dims, axis: 1, width: 3)
            smooth(&image, dims: source.dims, axis: 2, width: 3)
            for i in 0..<count where labels[i] != 0 {
                image[i] += spreads[Int(labels[i])] * Float(rng.gaussian())
            }
        }
        if let real {
            let gains = (0..<labelCount).map { _ in Float(exp(ranges.realLabelJitter * rng.gaussian())) }
            let valid = source.validReal
            for i in 0..<count where labels[i] != 0 && (valid?[i] ?? true) {
                image[i] = real[i] * gains[Int(labels[i])]
            }
        }
        applyBias(&image, dims: source.dims, using: &rng)
        let gamma = Float(exp(ranges.gammaSpread * rng.gaussian()))
        let scale = Float(level)
        for i in 0..<count where image[i] > 0 { image[i] = scale * powf(image[i] / scale, gamma) }
        if rng.uniform(0...1) < ranges.thickSliceChance {
            // Mostly through-plane (z), as clinical acquisitions are.
            let axis = rng.uniform(0...1) < 0.6 ? 2 : Int(rng.next() % 2)
            smooth(&image, dims: source.dims, axis: axis, width: 2 + Int(rng.next() % 4))
        }
        let sigma = Float(rng.uniform(ranges.noise)) * scale
        let floor = 1e-3 * scale
        for i in 0..<count {
            if labels[i] == 0 {
                image[i] = 0
            } else {
                image[i] = max(floor, image[i] + sigma * Float(rng.gaussian()))
            }
        }
        return image
    }

    /// Multiplies by exp(bx(x) + by(y) + bz(z)), each a random low-frequency sinusoid.
    private func applyBias(_ image: inout [Float], dims: [Int], using rng: inout RandomSource) {
        let profiles = (0..<3).map { axis -> [Float] in
            let amplitude = rng.uniform(ranges.biasAmplitude)
            let wavelength = rng.uniform(120...400), phase = rng.uniform(0...(2 * Double.pi))
            return (0..<dims[axis]).map { Float(amplitude * sin(2 * Double.pi * Double($0) / wavelength + phase)) }
        }
        let (nx, ny) = (dims[0], dims[1])
        for z in 0..<dims[2] {
            for y in 0..<ny {
                let yz = profiles[1][y] + profiles[2][z]
                let row = nx * (y + ny * z)
                for x in 0..<nx where image[row + x] != 0 { image[row + x] *= expf(profiles[0][x] + yz) }
            }
        }
    }
}

/// A moving average of `width` voxels along `axis` (edges average what lies inside the grid).
func smooth(_ image: inout [Float], dims: [Int], axis: Int, width: Int) {
    guard width > 1 else { return }
    let stride = axis == 0 ? 1 : axis == 1 ? dims[0] : dims[0] * dims[1]
    let n = dims[axis]
    let lines = image.count / n
    let before = (width - 1) / 2, after = width / 2
    var line = [Float](repeating: 0, count: n)
    var prefix = [Float](repeating: 0, count: n + 1)
    for l in 0..<lines {
        // Line l starts at: for axis 0, l * nx; otherwise split l into the index below the axis and above.
        let start = axis == 0 ? l * n : (l % stride) + (l / stride) * stride * n
        for k in 0..<n { line[k] = image[start + k * stride] }
        for k in 0..<n { prefix[k + 1] = prefix[k] + line[k] }
        for k in 0..<n {
            let lo = max(0, k - before), hi = min(n, k + after + 1)
            image[start + k * stride] = (prefix[hi] - prefix[lo]) / Float(hi - lo)
        }
    }
}

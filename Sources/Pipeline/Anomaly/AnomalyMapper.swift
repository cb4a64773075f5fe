import Compute
import Networks

/// How the anomaly stage turns the pre-trained GAN into a map of abnormal tissue.
public enum AnomalyMethod: String, Codable, CaseIterable, Sendable {
    /// The paper's: the frozen PatchGAN discriminator judges each brain slice unoccluded
    /// (`D(x, x)`: the condition is the image itself, as when the occlusion mask is empty), and
    /// `1 - D` per patch (0: looks like the normal brains it was trained on, 1: abnormal) is
    /// upsampled bilinearly (cell centres, edges clamped) to the slice.
    case discriminator
    /// The discriminator's verdict on the real tissue in square holes (the residual's grid): each
    /// hole is occluded in the condition, as in pre-training, and `1 - D(occluded, x)` asks whether
    /// the tissue there looks like what the discriminator learnt to accept as real for that context.
    /// The paper's map asks `D(x, x)`, a condition without a hole that pre-training never shows it.
    case discriminatorInHoles = "discriminator-in-holes"
    /// The inpainting residual: square holes on a grid are occluded and inpainted by the generator,
    /// which learnt only normal tissue, and each pixel's value is the mean absolute difference over
    /// the GAN's channels between the image and its inpainting (the images are in 0...1; clamped to 1).
    case residual

    /// How the report's colour scale names the map.
    public var scaleLabel: String {
        switch self {
        case .discriminator: "anomaly (1 - D)"
        case .discriminatorInHoles: "anomaly (1 - D, in holes)"
        case .residual: "anomaly (inpainting residual)"
        }
    }
}

/// A study's anomaly map (`AnomalyMethod`), one value in 0...1 per window voxel; voxels outside the
/// brain are 0.
public struct AnomalyMapper {
    public let model: GANModel
    public var method: AnomalyMethod
    public var batchSize: Int
    /// Side in pixels of the residual's square holes.
    public var holeSize: Int

    public init(model: GANModel, method: AnomalyMethod = .discriminator, batchSize: Int = 8, holeSize: Int = 24) {
        self.model = model
        self.method = method
        self.batchSize = max(batchSize, 1)
        self.holeSize = max(holeSize, 1)
    }

    /// One value in 0...1 per window voxel (x fastest, like the study's channels); `progress(done, total)`
    /// after each batch.
    public func map(_ study: PreprocessedStudy, progress: (Int, Int) -> Void = { _, _ in }) -> [Float] {
        switch method {
        case .discriminator: discriminatorMap(study, inHoles: false, progress: progress)
        case .discriminatorInHoles: discriminatorMap(study, inHoles: true, progress: progress)
        case .residual: residualMap(study, progress: progress)
        }
    }

    /// `1 - D(condition, x)` upsampled from the discriminator's cells: the condition is `x` itself
    /// (the paper's map), or with `inHoles` the image occluded by each of the residual's hole passes,
    /// each pixel taking the verdict of the pass that hides it: whether the real tissue in a hole
    /// looks like the normal tissue the discriminator learnt to expect there.
    private func discriminatorMap(_ study: PreprocessedStudy, inHoles: Bool, progress: (Int, Int) -> Void) -> [Float] {
        let (w, h) = (study.width, study.height)
        let plane = w * h
        let slices = study.brainSlices
        var out = [Float](repeating: 0, count: study.window.voxelCount)
        var done = 0
        // The discriminator's grid needs sides that are multiples of its patch: pad right and bottom with 0.
        forEachBatch(of: study, slices: slices, multiple: model.gan.configuration.patchStride) { batch, g, x, pw, ph in
            let passes: [(holes: [Float], mask: Variable)?] = inHoles ? holeMasks(g, count: batch.count, height: ph, width: pw) : [nil]
            for pass in passes {
                let holes = pass?.holes
                let condition = pass.map { InpaintingGAN.occlude(g, image: x, mask: $0.mask) } ?? x
                let normal = g.sigmoid(model.gan.discriminator.logits(g, occluded: condition, candidate: x))
                let (rows, cols) = (normal.shape.h, normal.shape.w)
                let cells = model.backend.download(normal.value)
                for (b, z) in batch.enumerated() {
                    let anomaly = cells[(b * rows * cols)..<((b + 1) * rows * cols)].map { 1 - $0 }
                    let full = Self.upsample(anomaly, rows: rows, cols: cols, height: ph, width: pw)
                    for y in 0..<h {
                        for x in 0..<w where study.brainMask[z * plane + y * w + x] && holes.map({ $0[y * pw + x] != 0 }) ?? true {
                            out[z * plane + y * w + x] = min(max(full[y * pw + x], 0), 1)
                        }
                    }
                }
            }
            done += batch.count
            progress(done, slices.count)
        }
        return out
    }

    private func residualMap(_ study: PreprocessedStudy, progress: (Int, Int) -> Void) -> [Float] {
        let (w, h) = (study.width, study.height)
        let plane = w * h
        let channels = model.channels.count
        let slices = study.brainSlices
        var out = [Float](repeating: 0, count: study.window.voxelCount)
        var done = 0
        forEachBatch(of: study, slices: slices, multiple: model.gan.configuration.sizeMultiple) { batch, g, x, pw, ph in
            let image = model.backend.download(x.value)
            // Every pixel lies in exactly one pass's holes, each hole framed by unoccluded tissue.
            for (holes, m) in holeMasks(g, count: batch.count, height: ph, width: pw) {
                let inpainted = model.backend.download(
                    model.gan.generator(g, occluded: InpaintingGAN.occlude(g, image: x, mask: m), mask: m).value)
                for (b, z) in batch.enumerated() {
                    for y in 0..<h {
                        for x in 0..<w where holes[y * pw + x] != 0 && study.brainMask[z * plane + y * w + x] {
                            var sum: Float = 0
                            for c in 0..<channels {
                                let i = ((b * channels + c) * ph + y) * pw + x
                                sum += abs(image[i] - inpainted[i])
                            }
                            out[z * plane + y * w + x] = min(sum / Float(channels), 1)
                        }
                    }
                }
            }
            done += batch.count
            progress(done, slices.count)
        }
        return out
    }

    /// The four hole passes for an `height x width` batch of `count` slices: each pass's holes, and
    /// the same mask for every slice as a graph constant `[count, 1, height, width]`.
    private func holeMasks(_ g: Graph, count: Int, height: Int, width: Int) -> [(holes: [Float], mask: Variable)] {
        Self.holePasses(height: height, width: width, holeSize: holeSize).map { holes in
            (holes, g.constant(model.backend.upload((0..<count).flatMap { _ in holes }, shape: Shape(count, 1, height, width))))
        }
    }

    /// The residual's four occlusion passes over a `height x width` image: square holes of side
    /// `holeSize` on a checkerboard of checkerboards (pass `2 j + i` occludes the tiles in odd or
    /// even columns `i` and rows `j`), 1 in the holes. Together they cover every pixel exactly once.
    public static func holePasses(height: Int, width: Int, holeSize: Int) -> [[Float]] {
        (0..<4).map { pass in
            (0..<height * width).map { p in
                let (tx, ty) = ((p % width) / holeSize, (p / width) / holeSize)
                return tx % 2 == pass % 2 && ty % 2 == pass / 2 ? 1 : 0
            }
        }
    }

    /// The pseudo-healthy image of window slices `slices`: the GAN's channels occluded where `classes`
    /// (the U-Net's, per window voxel) hold tumour, inpainted by the generator and completed
    /// (`x (1 - M) + M G`). Returns the GAN's channel `channel` per window voxel (0 on other slices).
    public func inpaint(_ study: PreprocessedStudy, classes: [UInt8], slices: [Int], channel: Int = 0) -> [Float] {
        let (w, h) = (study.width, study.height)
        let plane = w * h
        var out = [Float](repeating: 0, count: study.window.voxelCount)
        forEachBatch(of: study, slices: slices, multiple: model.gan.configuration.sizeMultiple) { batch, g, x, pw, ph in
            var mask = [Float](repeating: 0, count: batch.count * pw * ph)
            for (b, z) in batch.enumerated() {
                for y in 0..<h {
                    for x in 0..<w { mask[b * pw * ph + y * pw + x] = classes[z * plane + y * w + x] != 0 ? 1 : 0 }
                }
            }
            let m = g.constant(model.backend.upload(mask, shape: Shape(batch.count, 1, ph, pw)))
            let occluded = InpaintingGAN.occlude(g, image: x, mask: m)
            let inpainted = model.gan.generator(g, occluded: occluded, mask: m)
            let completed = model.backend.download(InpaintingGAN.complete(g, occluded: occluded, mask: m, inpainted: inpainted).value)
            for (b, z) in batch.enumerated() {
                let base = (b * model.channels.count + channel) * pw * ph
                for y in 0..<h {
                    for x in 0..<w { out[z * plane + y * w + x] = completed[base + y * pw + x] }
                }
            }
        }
        return out
    }

    /// Runs `body` on each batch of `slices` with an inference graph and the batch's GAN channels
    /// as a constant `[batch, channels, ph, pw]`, zero-padded right and bottom to `multiple`.
    private func forEachBatch(of study: PreprocessedStudy, slices: [Int], multiple: Int,
                              _ body: (_ batch: [Int], _ g: Graph, _ x: Variable, _ pw: Int, _ ph: Int) -> Void) {
        let (pw, ph) = (study.width.roundedUp(toMultipleOf: multiple), study.height.roundedUp(toMultipleOf: multiple))
        for start in stride(from: 0, to: slices.count, by: batchSize) {
            let batch = Array(slices[start..<min(start + batchSize, slices.count)])
            let input = paddedChannels(study, slices: batch, width: pw, height: ph)
            let g = Graph(backend: model.backend, recording: false)
            body(batch, g, g.constant(model.backend.upload(input, shape: Shape(batch.count, model.channels.count, ph, pw))), pw, ph)
        }
    }

    /// The GAN's channels of window slices `slices` as `[slices, channels, height, width]`, zero-padded
    /// right and bottom to the network's multiple.
    private func paddedChannels(_ study: PreprocessedStudy, slices: [Int], width pw: Int, height ph: Int) -> [Float] {
        let (w, h) = (study.width, study.height)
        let plane = w * h
        let channels = model.channels
        var input = [Float](repeating: 0, count: slices.count * channels.count * pw * ph)
        for (b, z) in slices.enumerated() {
            for (k, c) in channels.enumerated() {
                let base = (b * channels.count + k) * pw * ph
                for y in 0..<h {
                    for x in 0..<w { input[base + y * pw + x] = study.channels[c][z * plane + y * w + x] }
                }
            }
        }
        return input
    }

    /// Up to `count` window slices for the report, ascending: those with the largest segmented
    /// tumour area, or without tumour the highest anomaly.
    public static func reportSlices(_ study: PreprocessedStudy, classes: [UInt8], map: [Float], count: Int = 4) -> [Int] {
        let plane = study.width * study.height
        let area = study.brainSlices.map { z in (z, classes[z * plane..<(z + 1) * plane].reduce(0) { $0 + ($1 != 0 ? 1 : 0) }) }
        let withTumour = area.filter { $0.1 > 0 }
        let ranked = withTumour.isEmpty
            ? study.brainSlices.map { z in (z, map[z * plane..<(z + 1) * plane].max() ?? 0) }.sorted { $0.1 > $1.1 }.map(\.0)
            : withTumour.sorted { $0.1 > $1.1 }.map(\.0)
        return Array(ranked.prefix(count)).sorted()
    }

    /// Bilinear upsampling of a `rows x cols` grid to `height x width` (align-corners false: output
    /// pixel `y` samples the grid at `(y + 0.5) * rows / height - 0.5`, clamped to the grid).
    public static func upsample(_ grid: [Float], rows: Int, cols: Int, height: Int, width: Int) -> [Float] {
        precondition(grid.count == rows * cols && rows >= 1 && cols >= 1, "grid is not \(rows) x \(cols)")
        func coordinate(_ i: Int, _ n: Int, _ size: Int) -> (Int, Int, Float) {
            let s = min(max((Double(i) + 0.5) * Double(n) / Double(size) - 0.5, 0), Double(n - 1))
            let i0 = Int(s.rounded(.down))
            return (i0, min(i0 + 1, n - 1), Float(s - Double(i0)))
        }
        let xs = (0..<width).map { coordinate($0, cols, width) }
        var out = [Float](repeating: 0, count: height * width)
        for y in 0..<height {
            let (y0, y1, fy) = coordinate(y, rows, height)
            for (x, (x0, x1, fx)) in xs.enumerated() {
                let top = grid[y0 * cols + x0] * (1 - fx) + grid[y0 * cols + x1] * fx
                let bottom = grid[y1 * cols + x0] * (1 - fx) + grid[y1 * cols + x1] * fx
                out[y * width + x] = top * (1 - fy) + bottom * fy
            }
        }
        return out
    }

    /// Per axial slice of a volume of `dims` (x fastest), the highest value of the slice (the map is
    /// 0 outside the brain, so this is the maximum over the slice's brain voxels; 0 without brain).
    public static func sliceScores(_ volume: [Float], dims: [Int]) -> [Double] {
        let plane = dims[0] * dims[1]
        return (0..<dims[2]).map { z in Double(volume[z * plane..<(z + 1) * plane].max() ?? 0) }
    }
}

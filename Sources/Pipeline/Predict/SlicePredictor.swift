import Compute
import Dispatch
import Networks

/// Runs the U-Net over a preprocessed study's brain slices in batches and returns one class per
/// window voxel (0 background, 1 NCR, 2 ED, 3 ET; 0 outside the brain).
///
/// Only one batch of activations exists at a time, so memory stays bounded whatever the study size.
/// While the backend runs a batch, another thread classifies the previous batch's logits and
/// assembles the next batch's input, so a GPU does not wait for the host between batches.
public struct SlicePredictor {
    public let model: SegmentationModel
    public var batchSize: Int

    public init(model: SegmentationModel, batchSize: Int = 8) {
        self.model = model
        self.batchSize = batchSize
    }

    /// `progress(done, total)` is called after each batch.
    public func predict(_ study: PreprocessedStudy, progress: (Int, Int) -> Void = { _, _ in }) -> [UInt8] {
        let slices = study.brainSlices
        let batches = batches(of: study)
        let classes = model.network.configuration.classes
        var out = [UInt8](repeating: 0, count: study.window.voxelCount)
        func write(_ labels: [UInt8], of batch: [Int]) {
            let plane = study.width * study.height
            for (b, z) in batch.enumerated() { out.replaceSubrange(z * plane..<(z + 1) * plane, with: labels[b * plane..<(b + 1) * plane]) }
        }

        var input = batches.first.map { Self.input($0, of: study) } ?? []
        var previous: Logits?
        for (i, batch) in batches.enumerated() {
            let host = HostResults()
            let group = DispatchGroup()
            DispatchQueue.global().async(group: group) { [previous, next = batches.dropFirst(i + 1).first] in
                host.labels = previous.map { Self.classify($0, study, classes: classes) }
                host.input = next.map { Self.input($0, of: study) }
            }
            let logits = forward(input, slices: batch.count, study)
            group.wait()
            if let previous, let labels = host.labels { write(labels, of: previous.batch) }
            previous = Logits(batch: batch, values: logits)
            input = host.input ?? []
            progress(min((i + 1) * batchSize, slices.count), slices.count)
        }
        if let previous { write(Self.classify(previous, study, classes: classes), of: previous.batch) }
        return out
    }

    /// The study's brain slices in batches of `batchSize`, in order.
    public func batches(of study: PreprocessedStudy) -> [[Int]] {
        let slices = study.brainSlices
        return stride(from: 0, to: slices.count, by: batchSize).map { Array(slices[$0..<min($0 + batchSize, slices.count)]) }
    }

    /// The network input of `batch` (slice indices), NCHW, on the host.
    public static func input(_ batch: [Int], of study: PreprocessedStudy) -> [Float] {
        batch.flatMap { study.slice($0) }
    }

    /// An input of `input(_:of:)` for `slices` slices, on the model's backend.
    public func upload(_ input: [Float], slices: Int, of study: PreprocessedStudy) -> Tensor {
        model.backend.upload(input, shape: Shape(slices, study.channels.count, study.height, study.width))
    }

    /// The network's logits for one assembled batch, on the host.
    private func forward(_ input: [Float], slices: Int, _ study: PreprocessedStudy) -> [Float] {
        let g = Graph(backend: model.backend, recording: false)
        return model.backend.download(model.network(g, g.constant(upload(input, slices: slices, of: study))).value)
    }

    /// The most likely class of every voxel of the batch's slices (0 outside the brain), slice after slice.
    private static func classify(_ logits: Logits, _ study: PreprocessedStudy, classes: Int) -> [UInt8] {
        let plane = study.width * study.height
        var labels = [UInt8](repeating: 0, count: logits.batch.count * plane)
        logits.values.withUnsafeBufferPointer { l in
            for (b, z) in logits.batch.enumerated() {
                for p in 0..<plane where study.brainMask[z * plane + p] {
                    var best = 0
                    var bestValue = l[(b * classes) * plane + p]
                    for c in 1..<classes where l[(b * classes + c) * plane + p] > bestValue {
                        best = c
                        bestValue = l[(b * classes + c) * plane + p]
                    }
                    labels[b * plane + p] = UInt8(best)
                }
            }
        }
        return labels
    }
}

/// One batch's network output on the host: slice indices and their NCHW logits.
private struct Logits: Sendable {
    let batch: [Int]
    let values: [Float]
}

/// What the host thread computes during one batch, read by the caller only after waiting for it:
/// that discipline is what makes the unchecked `Sendable` sound.
private final class HostResults: @unchecked Sendable {
    var labels: [UInt8]?
    var input: [Float]?
}

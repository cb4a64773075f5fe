import Compute
import Networks

/// Runs the U-Net over a preprocessed study's brain slices in batches and returns one class per
/// window voxel (0 background, 1 NCR, 2 ED, 3 ET; 0 outside the brain).
///
/// Only one batch of activations exists at a time, so memory stays bounded whatever the study size.
public struct SlicePredictor {
    public let model: SegmentationModel
    public var batchSize: Int

    public init(model: SegmentationModel, batchSize: Int = 8) {
        self.model = model
        self.batchSize = batchSize
    }

    /// `progress(done, total)` is called after each batch.
    public func predict(_ study: PreprocessedStudy, progress: (Int, Int) -> Void = { _, _ in }) -> [UInt8] {
        let (w, h) = (study.width, study.height)
        let plane = w * h
        let classes = model.network.configuration.classes
        var out = [UInt8](repeating: 0, count: study.window.voxelCount)
        let slices = study.brainSlices
        for start in stride(from: 0, to: slices.count, by: batchSize) {
            let batch = Array(slices[start..<min(start + batchSize, slices.count)])
            let input = batch.flatMap { study.slice($0) }
            let g = Graph(backend: model.backend, recording: false)
            let x = g.constant(model.backend.upload(input, shape: Shape(batch.count, study.channels.count, h, w)))
            let logits = model.backend.download(model.network(g, x).value)
            logits.withUnsafeBufferPointer { l in
                for (b, z) in batch.enumerated() {
                    for p in 0..<plane where study.brainMask[z * plane + p] {
                        var best = 0
                        var bestValue = l[(b * classes) * plane + p]
                        for c in 1..<classes where l[(b * classes + c) * plane + p] > bestValue {
                            best = c
                            bestValue = l[(b * classes + c) * plane + p]
                        }
                        out[z * plane + p] = UInt8(best)
                    }
                }
            }
            progress(min(start + batchSize, slices.count), slices.count)
        }
        return out
    }
}

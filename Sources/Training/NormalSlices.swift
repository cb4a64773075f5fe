import Metrics
import Pipeline

/// Normal-tissue slices for the GAN: the chosen channels of every slice with enough normal brain.
/// Studies from `ganet-seg synth --normal` are normal throughout; in a study with reference labels,
/// the tumour and everything within `exclusionMargin` mm of it (in 3-D: the label's edge is
/// uncertain and oedema fades out) is excluded, and a slice keeps only the tissue outside it.
/// Excluded pixels are class 1 in the samples (`GANPretrainer` crops around them); all others 0.
public enum NormalSlices {
    /// `minimumBrainShare`: the share of the slice's pixels that must be normal brain.
    /// `perStudy`: at most this many slices, evenly spaced (0: all).
    public static func make(from study: PreprocessedStudy, channels: [Int], minimumBrainShare: Double = 0.05,
                            perStudy: Int = 0, exclusionMargin: Double = 15) -> [SliceSample] {
        let plane = study.width * study.height
        let excluded = study.labels.map { labels in
            voxelsWithin(exclusionMargin, of: labels.map { $0 != 0 }, dims: study.window.size, spacing: study.bratsSpacing)
        } ?? [Bool](repeating: false, count: study.window.voxelCount)
        var usable: [Int] = []
        for z in study.brainSlices {
            var brain = 0
            for i in z * plane..<(z + 1) * plane where study.brainMask[i] && !excluded[i] { brain += 1 }
            if Double(brain) >= minimumBrainShare * Double(plane) { usable.append(z) }
        }
        if perStudy > 0, usable.count > perStudy {
            usable = (0..<perStudy).map { usable[$0 * usable.count / perStudy] }
        }
        return usable.map { z in
            var image = [Float](repeating: 0, count: channels.count * plane)
            for (k, c) in channels.enumerated() {
                for i in 0..<plane { image[k * plane + i] = study.channels[c][z * plane + i] }
            }
            return SliceSample(image: image, classes: excluded[z * plane..<(z + 1) * plane].map { $0 ? 1 : 0 },
                               height: study.height, width: study.width)
        }
    }
}

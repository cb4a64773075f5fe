import Dispatch
import Synchronization
import Volumes

/// Settings of the preprocessing; the defaults are the paper's.
public struct PreprocessingOptions: Sendable, Equatable {
    /// Robust scaling clips each modality to these percentiles of its brain voxels.
    public var lowerPercentile: Double = 0.5
    public var upperPercentile: Double = 99.5
    public var enhancement: Enhancement = try! Enhancement()
    /// The crop is padded in x and y to a multiple of this (2^levels of the U-Net's pooling).
    public var padMultiple: Int = 16

    public init() {}
}

/// A study ready for the network: cropped to the brain, normalised, enhanced and padded.
public struct PreprocessedStudy: Sendable {
    public let id: String
    /// The grid of the input study, for putting outputs back.
    public let inputGeometry: Geometry
    /// How the input grid is put in BraTS order (the network's training order: axial slices);
    /// `window` and every array below are in that order.
    public let reorientation: Reorientation
    /// Where the crop lies on the grid in BraTS order.
    public let window: CropWindow
    /// One array per modality (channel order), each over the window, x fastest.
    public let channels: [[Float]]
    public let brainMask: [Bool]
    /// Ground-truth labels over the window, when the study has them.
    public let labels: [UInt8]?
    /// Window z indices of the slices that contain brain.
    public let brainSlices: [Int]

    public var width: Int { window.size[0] }
    public var height: Int { window.size[1] }
    public var depth: Int { window.size[2] }

    /// Slice `z` as a CHW array (channels, then rows y, then columns x) for the network.
    public func slice(_ z: Int) -> [Float] {
        let plane = width * height
        var out: [Float] = []
        out.reserveCapacity(channels.count * plane)
        for channel in channels { out.append(contentsOf: channel[z * plane..<(z + 1) * plane]) }
        return out
    }

    /// Labels of slice `z` (rows y, columns x), when the study has ground truth.
    public func labelSlice(_ z: Int) -> [UInt8]? {
        let plane = width * height
        return labels.map { Array($0[z * plane..<(z + 1) * plane]) }
    }

    /// Puts window-sized labels back on the input grid (0 outside the window).
    public func uncrop(_ windowLabels: [UInt8]) -> [UInt8] {
        toInputGrid(windowLabels, background: 0)
    }

    /// The input grid's size in BraTS order.
    public var bratsDims: [Int] { reorientation.rearranged(inputGeometry.dims) }

    /// The input grid's voxel size (mm) in BraTS order.
    public var bratsSpacing: [Double] { reorientation.rearranged(inputGeometry.spacing) }

    /// Puts any window-sized array on the whole grid in BraTS order (what reports show).
    public func toBraTSGrid<T>(_ values: [T], background: T) -> [T] {
        window.insert(values, into: bratsDims, background: background)
    }

    /// The window's part of an array on the input grid (in the input's voxel order), in BraTS order:
    /// what `toInputGrid` inverts.
    public func windowed(_ values: [Float]) -> [Float] {
        window.extract(reorientation.apply(values, dims: inputGeometry.dims), dims: bratsDims, fill: 0)
    }

    /// Puts any window-sized array back on the input grid, in the input's voxel order.
    public func toInputGrid<T>(_ values: [T], background: T) -> [T] {
        reorientation.invert(toBraTSGrid(values, background: background), dims: inputGeometry.dims)
    }

    /// The BraTS-order grid's axial slice index of window slice `z`.
    public func bratsSlice(_ z: Int) -> Int { z + window.origin[2] }
}

/// Turns a loaded study into network input. One implementation, used by training and inference.
///
/// Steps: the voxels put in BraTS order (axes permuted and reversed as the header says, so that a
/// sagittal or coronal acquisition is segmented in axial slices too; no resampling); brain mask (any modality non-zero: BraTS inputs are
/// skull-stripped with a zero background); the smallest 3D box around it, padded in x and y; per
/// modality, robust scaling of the
/// brain voxels to 0...1 between two percentiles, the appendix C enhancement, and re-masking so that
/// everything outside the brain is 0.
public struct Preprocessor: Sendable {
    public var options: PreprocessingOptions

    public init(options: PreprocessingOptions = PreprocessingOptions()) {
        self.options = options
    }

    public func callAsFunction(_ study: Study) throws -> PreprocessedStudy {
        try prepare(id: study.id, geometry: study.geometry, images: study.images.map(\.voxels),
                    labels: study.groundTruth.map { $0.voxels.map { UInt8($0) } })
    }

    /// The same for images already in memory (training synthesis): modalities in channel order on
    /// `geometry`'s grid, and optional labels.
    public func prepare(id: String, geometry: Geometry, images: [[Float]], labels truth: [UInt8]?) throws -> PreprocessedStudy {
        guard options.lowerPercentile >= 0, options.upperPercentile <= 100,
              options.lowerPercentile < options.upperPercentile else {
            throw PreprocessingError.invalidPercentiles(options.lowerPercentile, options.upperPercentile)
        }
        let reorientation = geometry.toBraTSOrder
        let dims = reorientation.rearranged(geometry.dims)
        let images = images.map { reorientation.apply($0, dims: geometry.dims) }
        let truth = truth.map { reorientation.apply($0, dims: geometry.dims) }
        var mask = [Bool](repeating: false, count: geometry.voxelCount)
        for image in images {
            image.withUnsafeBufferPointer { v in
                for i in v.indices where v[i] != 0 { mask[i] = true }
            }
        }
        guard let box = CropWindow.bounding(mask, dims: dims) else {
            throw PreprocessingError.emptyBrain(study: id)
        }
        let window = box.padded(toMultipleOf: options.padMultiple)
        let brain = window.extract(mask, dims: dims, fill: false)
        // The modalities are independent, and their sorts and enhancement are most of the time.
        let normalised = Mutex([[Float]?](repeating: nil, count: images.count))
        DispatchQueue.concurrentPerform(iterations: images.count) { i in
            let channel = normalise(window.extract(images[i], dims: dims, fill: 0), brain: brain)
            normalised.withLock { $0[i] = channel }
        }
        let channels = normalised.withLock { $0.map { $0! } }
        let labels = truth.map { window.extract($0, dims: dims, fill: 0) }
        let plane = window.size[0] * window.size[1]
        let slices = (0..<window.size[2]).filter { z in brain[z * plane..<(z + 1) * plane].contains(true) }
        return PreprocessedStudy(id: id, inputGeometry: geometry, reorientation: reorientation, window: window,
                                 channels: channels, brainMask: brain, labels: labels, brainSlices: slices)
    }

    /// Robust scaling, enhancement and re-masking of one modality over the window.
    func normalise(_ values: [Float], brain: [Bool]) -> [Float] {
        var inside = zip(values, brain).compactMap { $1 ? $0 : nil }
        guard !inside.isEmpty else { return [Float](repeating: 0, count: values.count) }
        let sorted = inside.sorted()
        let lo = percentile(sorted, options.lowerPercentile)
        let hi = percentile(sorted, options.upperPercentile)
        let range = max(hi - lo, Float.leastNormalMagnitude)
        for i in inside.indices { inside[i] = min(max((inside[i] - lo) / range, 0), 1) }
        options.enhancement.apply(to: &inside)
        var out = [Float](repeating: 0, count: values.count)
        var k = 0
        for i in out.indices where brain[i] {
            out[i] = inside[k]
            k += 1
        }
        return out
    }
}

/// Linear-interpolated percentile (numpy's default) of sorted values.
func percentile(_ sorted: [Float], _ p: Double) -> Float {
    let position = p / 100 * Double(sorted.count - 1)
    let below = Int(position.rounded(.down))
    let above = min(below + 1, sorted.count - 1)
    let fraction = Float(position - Double(below))
    return sorted[below] + (sorted[above] - sorted[below]) * fraction
}

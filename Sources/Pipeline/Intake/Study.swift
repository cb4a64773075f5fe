import Dispatch
import Platform
import Synchronization
import Volumes

/// A study in memory: its four modalities and, when present, its ground-truth labels, all on one grid.
public struct Study: Sendable {
    public let folder: StudyFolder
    /// The modalities in channel order (T1, T1ce, T2, FLAIR).
    public let images: [Volume]
    public let groundTruth: Volume?

    public var id: String { folder.id }
    public var geometry: Geometry { images[0].geometry }

    public func image(_ modality: Modality) -> Volume { images[modality.rawValue] }

    /// Validates the grids from the headers, then reads every volume (in parallel: decompression
    /// dominates and each file is independent).
    public static func load(_ folder: StudyFolder, reader: NIfTIReader = NIfTIReader()) throws -> Study {
        // The folder was checked for links when it was listed; a link or another file swapped in
        // since is refused.
        let reader = NIfTIReader(limits: reader.limits, followsLinks: false)
        try folder.validateGrids(reader: reader)
        let paths = Modality.allCases.map { folder.modalities[$0]! } + (folder.groundTruth.map { [$0] } ?? [])
        let results = Mutex([Result<Volume, VolumeError>?](repeating: nil, count: paths.count))
        DispatchQueue.concurrentPerform(iterations: paths.count) { i in
            let result = Result { () throws(VolumeError) -> Volume in
                do { return try reader.read(path: paths[i], expecting: folder.identities[paths[i]]) } catch let e as VolumeError { throw e } catch {
                    throw VolumeError.unreadable(path: paths[i], reason: "\(error)")
                }
            }
            results.withLock { $0[i] = result }
        }
        var volumes: [Volume] = []
        for result in results.withLock({ $0 }) {
            switch result! {
            case .success(let v): volumes.append(v)
            case .failure(let e): throw StudyError.unreadableVolume(e)
            }
        }
        let truth = folder.groundTruth != nil ? volumes.removeLast() : nil
        try checkSignal(volumes, files: Modality.allCases.map { folder.modalities[$0]! })
        if let truth { try validateLabels(truth, file: folder.groundTruth!) }
        return Study(folder: folder, images: volumes, groundTruth: truth)
    }

    /// Real scans show the same head in every modality, so each modality's non-zero voxels are
    /// about as many as the others'. Throws `blankModality` for a modality with one value
    /// everywhere and `partialModality` for one with under half the median of the others' count:
    /// what a file looks like whose size was set before its contents arrived.
    public static func checkSignal(_ images: [Volume], files: [String]) throws(StudyError) {
        // One pass per modality, all four at once: the non-zero count and whether any value differs.
        let scans = (0..<images.count).parallelMap { i in
            images[i].voxels.withUnsafeBufferPointer { v -> (nonZero: Int, constant: Bool) in
                let first = v.first ?? 0
                var nonZero = 0, differs = false
                for x in v {
                    nonZero += x != 0 ? 1 : 0
                    differs = differs || x != first
                }
                return (nonZero, !differs)
            }
        }
        let counts = scans.map(\.nonZero)
        for (m, image) in zip(Modality.allCases, images) {
            if scans[m.rawValue].constant { throw .blankModality(m, file: files[m.rawValue]) }
            let others = counts.enumerated().filter { $0.offset != m.rawValue }.map(\.element).sorted()
            let median = others[others.count / 2]
            guard Double(counts[m.rawValue]) < 0.5 * Double(median) else { continue }
            let percent = Int((100 * Double(counts[m.rawValue]) / Double(max(median, 1))).rounded())
            throw .partialModality(m, file: files[m.rawValue],
                                   detail: "\(percent)% as many non-zero voxels as the other modalities, "
                                       + "none above slice \(lastSignalSlice(image)) where they reach slice \(images.map(lastSignalSlice).max()!)")
        }
    }

    /// The highest z index with a non-zero voxel (-1 for none).
    private static func lastSignalSlice(_ image: Volume) -> Int {
        let plane = image.dims[0] * image.dims[1]
        guard let last = image.voxels.lastIndex(where: { $0 != 0 }) else { return -1 }
        return last / plane
    }

    /// Ground truth must hold BraTS labels only: 0, 1, 2 and one of 3 (2023) or 4 (2020).
    static func validateLabels(_ volume: Volume, file: String) throws {
        var seen = Set<Float>()
        for v in volume.voxels where v != 0 { seen.insert(v) }
        if let bad = seen.sorted().first(where: { ![1, 2, 3, 4].contains($0) }) {
            throw StudyError.invalidLabels(file: file, detail: "value \(bad) (BraTS labels are 0, 1, 2, 3 or 4)")
        }
        if seen.contains(3) && seen.contains(4) {
            throw StudyError.invalidLabels(file: file, detail: "both 3 and 4 present (mixes the 2023 and 2020 conventions)")
        }
    }
}

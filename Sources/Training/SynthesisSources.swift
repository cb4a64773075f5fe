import Pipeline
import Platform
import Synthesis
import Volumes

/// Loads the anatomy that training synthesis draws from, each in BraTS voxel order.
///
/// Three kinds of path:
/// - a BraTS study folder with ground truth: four real modalities and the tumour labels;
/// - a BRATS 2013 case folder (`OTMultiClass`, `Flair_*`, `T1c_*`, `brainmask`): expert labels and
///   two real modalities (non-enhancing tumour, label 3, is merged into the core as BraTS 2017+ does);
/// - a NIfTI T1 of a tumour-free, skull-stripped brain (an atlas): tumours are transplanted into it.
public enum SynthesisSources {
    public enum Kind: Sendable, Equatable {
        case tumour, normal
    }

    public struct LoadError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func load(path: String, reader: NIfTIReader = NIfTIReader()) throws -> (LabelMapSource, Kind) {
        if path.hasSuffix(".nii") || path.hasSuffix(".nii.gz") {
            let t1 = try reader.read(path: path)
            let voxels = oriented(t1.voxels, t1.geometry)
            let source = LabelMapSource.classifyingTissue(id: t1Name(path), dims: orientedDims(t1.geometry),
                                                          tumour: [UInt8](repeating: 0, count: voxels.count),
                                                          channels: [voxels, nil, nil, nil])
            return (source, .normal)
        }
        let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
        let id = folder.split(separator: "/").last.map(String.init) ?? folder
        if let names = try? FileSystem.list(folder), names.contains(where: { $0.hasPrefix("OTMultiClass") }) {
            func file(_ prefix: String) throws -> String {
                guard let name = names.sorted().first(where: { $0.hasPrefix(prefix) && ($0.hasSuffix(".nii.gz") || $0.hasSuffix(".nii")) }) else {
                    throw LoadError(description: "\(folder): no \(prefix)*.nii[.gz] (a BRATS 2013 case needs OTMultiClass, Flair, T1c and brainmask)")
                }
                return folder + "/" + name
            }
            let truth = try reader.read(path: try file("OTMultiClass"))
            let flair = try reader.read(path: try file("Flair"))
            let t1c = try reader.read(path: try file("T1c"))
            let mask = try reader.read(path: try file("brainmask"))
            for v in [flair, t1c, mask] where !v.geometry.matches(truth.geometry) {
                throw LoadError(description: "\(folder): the BRATS 2013 volumes are not on one grid")
            }
            let g = truth.geometry
            let brain = oriented(mask.voxels, g).map { $0 > 0 }
            let tumour = oriented(truth.voxels, g).map { v -> UInt8 in
                switch v { case 1, 3: 1; case 2: 2; case 4: 3; default: 0 }
            }
            let source = LabelMapSource.classifyingTissue(
                id: id, dims: orientedDims(g), tumour: tumour,
                channels: [nil, oriented(t1c.voxels, g), nil, oriented(flair.voxels, g)], brain: brain)
            return (source, .tumour)
        }
        let study = try Study.load(try StudyFolder(path: folder), reader: reader)
        guard let truth = study.groundTruth else {
            throw LoadError(description: "\(folder): no ground truth (<id>_seg) to synthesise from")
        }
        let g = study.geometry
        let tumour = oriented(truth.voxels, g).map { trainingClass(ofLabel: UInt8($0)) }
        let channels = study.images.map { oriented($0.voxels, g) }
        return (LabelMapSource.classifyingTissue(id: id, dims: orientedDims(g), tumour: tumour, channels: channels), .tumour)
    }

    /// `voxels` of `geometry`'s grid in BraTS order (the networks' training order).
    private static func oriented(_ voxels: [Float], _ geometry: Geometry) -> [Float] {
        geometry.toBraTSOrder.apply(voxels, dims: geometry.dims)
    }

    /// The grid's size in BraTS order.
    private static func orientedDims(_ geometry: Geometry) -> [Int] {
        geometry.toBraTSOrder.rearranged(geometry.dims)
    }

    private static func t1Name(_ path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        for suffix in [".nii.gz", ".nii"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
            break
        }
        return name
    }
}

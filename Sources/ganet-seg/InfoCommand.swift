import ArgumentParser
import FoundationEssentials
import Volumes

struct Info: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print a NIfTI file's header and voxel statistics (like nib-ls or fslinfo).")

    @Argument(help: "A .nii or .nii.gz file.")
    var file: String

    @Flag(help: "One JSON object instead of text.")
    var json = false

    /// What `info --json` prints; the affine is chosen as nibabel chooses it.
    struct Summary: Encodable {
        var dims: [Int]
        var datatype: String
        var spacing: [Double]
        var qform_code: Int
        var sform_code: Int
        var affine: [[Double]]
        var scl_slope: Double
        var scl_inter: Double
        var min: Double
        var max: Double
        var mean: Double
    }

    func run() throws {
        try reportingErrors {
            let volume = try NIfTIReader().read(path: file)
            let g = volume.geometry
            let stats = volume.statistics()!
            let summary = Summary(dims: g.dims, datatype: volume.datatype.description, spacing: g.spacing,
                                  qform_code: g.qformCode, sform_code: g.sformCode, affine: g.affine,
                                  scl_slope: g.sclSlope, scl_inter: g.sclInter, min: Double(stats.min),
                                  max: Double(stats.max), mean: stats.mean)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                print(String(decoding: try encoder.encode(summary), as: UTF8.self))
            } else {
                print("""
                    file       \(file)
                    dims       \(g.dims.map(String.init).joined(separator: " x "))
                    datatype   \(volume.datatype)
                    spacing    \(g.spacing.map { format($0, 4) }.joined(separator: " x ")) mm
                    qform      code \(g.qformCode)
                    sform      code \(g.sformCode)
                    scaling    slope \(g.sclSlope) inter \(g.sclInter)
                    affine     \(g.affine.prefix(3).map { row in row.map { format($0, 4) }.joined(separator: " ") }.joined(separator: "\n           "))
                    range      \(stats.min) ... \(stats.max), mean \(format(stats.mean, 4))
                    """)
            }
        }
    }
}

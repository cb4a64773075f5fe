import Foundation
@testable import Pipeline
import Volumes

/// A fresh temporary folder per test.
func temporaryFolder(_ name: String = "pipeline") throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Writes a small study folder `<parent>/<id>` with four modalities (and optionally labels).
/// Voxel values: a bright "brain" box in the middle of each volume, 0 outside.
@discardableResult
func writeStudy(in parent: String, id: String = "Case_001", naming2023: Bool = false, dims: [Int] = [20, 18, 6],
                labels: [Float]? = nil, gzip: Bool = true) throws -> String {
    let folder = parent + "/" + id
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let geometry = Geometry.axisAligned(dims: dims, spacing: [1, 1, 2], origin: [-10, -9, -6])
    let suffixes = naming2023 ? ["-t1n", "-t1c", "-t2w", "-t2f"] : ["_t1", "_t1ce", "_t2", "_flair"]
    let ext = gzip ? ".nii.gz" : ".nii"
    for (m, suffix) in suffixes.enumerated() {
        try NIfTIWriter().write(brainBox(dims, scale: Float(100 * (m + 1))), like: geometry, as: .int16,
                                to: "\(folder)/\(id)\(suffix)\(ext)")
    }
    if let labels {
        try NIfTIWriter().write(labels, like: geometry, as: .uint8,
                                to: "\(folder)/\(id)\(naming2023 ? "-seg" : "_seg")\(ext)")
    }
    return folder
}

/// A box of brain (x 4..<16, y 3..<15, z 1..<5) with a gradient of values, 0 elsewhere.
func brainBox(_ dims: [Int], scale: Float) -> [Float] {
    var v = [Float](repeating: 0, count: dims[0] * dims[1] * dims[2])
    for z in 1..<min(5, dims[2]) {
        for y in 3..<min(15, dims[1]) {
            for x in 4..<min(16, dims[0]) {
                v[x + dims[0] * (y + dims[1] * z)] = scale * (1 + Float(x + y + z) / 10)
            }
        }
    }
    return v
}

/// The voxel order BraTS distributes its studies in (nibabel's "LPS": i toward the patient's
/// left, j toward posterior, k toward superior), which the networks are trained on.
extension Geometry {
    /// Where each voxel axis points, as nibabel's axis codes: for each axis the world direction
    /// (R/L, A/P, S/I) it has most of. BraTS's order is "LPS".
    public var axisCodes: String {
        let a = affine
        return String((0..<3).map { axis -> Character in
            let column = (0..<3).map { a[$0][axis] }
            let world = (0..<3).max { abs(column[$0]) < abs(column[$1]) }!
            return Array(column[world] > 0 ? "RAS" : "LPI")[world]
        })
    }

    /// The axes to reverse so that the voxel array runs in BraTS order, or nil when the grid's axes
    /// are not each aligned with one world axis in the same position (permuted or strongly oblique
    /// storage, which a flip alone cannot undo).
    public var flipsToBraTSOrder: [Bool]? {
        let a = affine
        for axis in 0..<3 {
            let column = (0..<3).map { abs(a[$0][axis]) }
            guard column[axis] > 0, column[axis] >= 2 * max(column[(axis + 1) % 3], column[(axis + 2) % 3]) else {
                return nil
            }
        }
        return [a[0][0] > 0, a[1][1] > 0, a[2][2] < 0]
    }
}

/// `values` (x fastest on a grid of `dims`) with the axes marked in `flips` reversed. Applying it
/// twice with the same flips gives the input back.
public func reversingAxes<T>(_ values: [T], dims: [Int], flips: [Bool]) -> [T] {
    guard flips.contains(true) else { return values }
    let (nx, ny, nz) = (dims[0], dims[1], dims[2])
    var out = values
    for z in 0..<nz {
        let sz = flips[2] ? nz - 1 - z : z
        for y in 0..<ny {
            let sy = flips[1] ? ny - 1 - y : y
            let target = nx * (y + ny * z), source = nx * (sy + ny * sz)
            if flips[0] {
                for x in 0..<nx { out[target + x] = values[source + nx - 1 - x] }
            } else {
                for x in 0..<nx { out[target + x] = values[source + x] }
            }
        }
    }
    return out
}

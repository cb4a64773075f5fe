@testable import Metrics

/// A label map built from boxes of labels; later boxes overwrite earlier ones.
func labelMap(_ dims: [Int], spacing: [Double] = [1, 1, 1],
              _ boxes: [(label: UInt8, x: ClosedRange<Int>, y: ClosedRange<Int>, z: ClosedRange<Int>)]) -> LabelMap {
    var labels = [UInt8](repeating: 0, count: dims.reduce(1, *))
    for box in boxes {
        for z in box.z { for y in box.y { for x in box.x { labels[x + dims[0] * (y + dims[1] * z)] = box.label } } }
    }
    return LabelMap(dims: dims, spacing: spacing, labels: labels)
}

/// A binary mask on `grid` from a voxel predicate.
func mask(_ grid: Grid, _ isSet: (Int, Int, Int) -> Bool) -> Mask {
    var voxels = [Bool](repeating: false, count: grid.count)
    for z in 0 ..< grid.nz { for y in 0 ..< grid.ny { for x in 0 ..< grid.nx { voxels[grid.index(x, y, z)] = isSet(x, y, z) } } }
    return Mask(grid: grid, voxels: voxels)
}

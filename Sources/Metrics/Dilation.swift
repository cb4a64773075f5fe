/// Binary dilation with scipy's `generate_binary_structure(3, 2)`: the voxel and its 18 neighbours
/// that share a face or an edge. Voxels outside the grid stay background, as with scipy.
enum Dilation {
    private static let neighbours18: [(Int, Int, Int)] = {
        var offsets: [(Int, Int, Int)] = []
        for dz in -1 ... 1 {
            for dy in -1 ... 1 {
                for dx in -1 ... 1 where abs(dx) + abs(dy) + abs(dz) == 1 || abs(dx) + abs(dy) + abs(dz) == 2 {
                    offsets.append((dx, dy, dz))
                }
            }
        }
        return offsets
    }()

    /// `mask` dilated `iterations` times. Each pass grows only from the voxels the previous pass
    /// added (dilating the older ones again adds nothing), so the cost follows the result's size.
    static func dilate(_ mask: Mask, iterations: Int) -> Mask {
        let g = mask.grid
        var out = mask
        var frontier = mask.voxels.indices.filter { mask.voxels[$0] }
        let dxs = neighbours18.map(\.0), dys = neighbours18.map(\.1), dzs = neighbours18.map(\.2)
        let steps = neighbours18.map { g.index($0.0, $0.1, $0.2) }
        for _ in 0 ..< iterations {
            var added: [Int] = []
            for i in frontier {
                let (x, y, z) = g.coordinates(i)
                for n in 0 ..< 18 where g.contains(x + dxs[n], y + dys[n], z + dzs[n]) {
                    let j = i + steps[n]
                    if !out.voxels[j] {
                        out.voxels[j] = true
                        added.append(j)
                    }
                }
            }
            frontier = added
        }
        return out
    }
}

/// 26-connected components of a mask, found in one raster scan with union-find (linear time).
struct ConnectedComponents: Sendable {
    /// Component of each voxel, 1...count; 0 for background.
    let labels: [Int32]
    /// Number of components.
    let count: Int

    /// The 13 neighbours already visited in a raster scan (z, then y, then x ascending).
    private static let backward: [(Int, Int, Int)] = {
        var offsets: [(Int, Int, Int)] = []
        for dz in -1 ... 0 {
            for dy in -1 ... 1 {
                for dx in -1 ... 1 where dz < 0 || dy < 0 || (dy == 0 && dx < 0) {
                    offsets.append((dx, dy, dz))
                }
            }
        }
        return offsets
    }()

    init(_ mask: Mask) {
        let g = mask.grid
        // Offsets as flat arrays: arrays of tuples are slow in debug builds.
        let dxs = Self.backward.map(\.0), dys = Self.backward.map(\.1), dzs = Self.backward.map(\.2)
        let steps = Self.backward.map { g.index($0.0, $0.1, $0.2) }
        var labels = [Int32](repeating: 0, count: g.count)
        var parent: [Int32] = [0]  // parent[0] unused so that labels start at 1

        func find(_ a: Int32) -> Int32 {
            var root = a
            while parent[Int(root)] != root { root = parent[Int(root)] }
            var a = a
            while parent[Int(a)] != root { (a, parent[Int(a)]) = (parent[Int(a)], root) }
            return root
        }

        for z in 0 ..< g.nz {
            for y in 0 ..< g.ny {
                for x in 0 ..< g.nx {
                    let i = g.index(x, y, z)
                    guard mask.voxels[i] else { continue }
                    var label: Int32 = 0
                    for n in 0 ..< 13 where g.contains(x + dxs[n], y + dys[n], z + dzs[n]) {
                        let other = labels[i + steps[n]]
                        guard other != 0 else { continue }
                        let root = find(other)
                        if label == 0 {
                            label = root
                        } else if root != label {
                            // Keep the smaller root so that final labels follow first appearance.
                            let (keep, drop) = (min(root, label), max(root, label))
                            parent[Int(drop)] = keep
                            label = keep
                        }
                    }
                    if label == 0 {
                        label = Int32(parent.count)
                        parent.append(label)
                    }
                    labels[i] = label
                }
            }
        }

        // Number the roots consecutively in order of first appearance.
        var final = [Int32](repeating: 0, count: parent.count)
        var count: Int32 = 0
        for p in 1 ..< parent.count {
            let root = find(Int32(p))
            if root == Int32(p) {
                count += 1
                final[p] = count
            } else {
                final[p] = final[Int(root)]
            }
        }
        for i in labels.indices where labels[i] != 0 { labels[i] = final[Int(labels[i])] }
        self.labels = labels
        self.count = Int(count)
    }
}

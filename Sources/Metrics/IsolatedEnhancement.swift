extension LabelMap {
    /// This map without enhancing-tumour components that almost nothing tumorous surrounds: each
    /// 26-connected enhancing component whose 26-neighbouring voxels (those of the grid outside it)
    /// are background for at least `backgroundShare` of them becomes background. Run it on a map
    /// without specks (`removingLesions`), and remove specks again after it: a speck of
    /// enhancement can bridge oedema, and removing a component can leave oedema apart.
    ///
    /// An enhancing glioma grows with its necrosis and oedema around it. Enhancement with nothing
    /// tumorous around it, at the brain's surface, is a vessel (a venous sinus, a cortical vein) or
    /// dura, and a bright sinus on T1ce is what the network marks as enhancing tumour on real
    /// scans. `backgroundShare` 0 returns the map unchanged.
    public func removingIsolatedEnhancement(backgroundShare: Double, convention: LabelConvention) -> LabelMap {
        precondition((0...1).contains(backgroundShare), "a share in 0...1")
        guard backgroundShare > 0 else { return self }
        let components = ConnectedComponents(Region.enhancingTumour.mask(of: self, convention: convention))
        guard components.count > 0 else { return self }
        // Per component: its neighbouring voxels, and how many of them are background. A voxel
        // beside two components counts for each; one beside a component twice counts once.
        var neighbours = [Int](repeating: 0, count: components.count + 1)
        var background = [Int](repeating: 0, count: components.count + 1)
        let (nx, ny, nz) = (dims[0], dims[1], dims[2])
        // Only voxels within one of enhancing tumour can neighbour it: scan its bounding box.
        var (x0, y0, z0, x1, y1, z1) = (nx, ny, nz, -1, -1, -1)
        for (i, c) in components.labels.enumerated() where c != 0 {
            let (x, y, z) = (i % nx, (i / nx) % ny, i / (nx * ny))
            x0 = min(x0, x); y0 = min(y0, y); z0 = min(z0, z)
            x1 = max(x1, x); y1 = max(y1, y); z1 = max(z1, z)
        }
        var seen: [Int32] = []
        for z in max(z0 - 1, 0)...min(z1 + 1, nz - 1) {
            for y in max(y0 - 1, 0)...min(y1 + 1, ny - 1) {
                for x in max(x0 - 1, 0)...min(x1 + 1, nx - 1) where components.labels[x + nx * (y + ny * z)] == 0 {
                    seen.removeAll(keepingCapacity: true)
                    for (dx, dy, dz) in Self.neighbourDirections {
                        let (px, py, pz) = (x + dx, y + dy, z + dz)
                        guard px >= 0, px < nx, py >= 0, py < ny, pz >= 0, pz < nz else { continue }
                        let c = components.labels[px + nx * (py + ny * pz)]
                        guard c != 0, !seen.contains(c) else { continue }
                        seen.append(c)
                        neighbours[Int(c)] += 1
                        if labels[x + nx * (y + ny * z)] == 0 { background[Int(c)] += 1 }
                    }
                }
            }
        }
        let isolated = (0...components.count).map {
            neighbours[$0] > 0 && Double(background[$0]) >= backgroundShare * Double(neighbours[$0])
        }
        var kept = labels
        for (i, c) in components.labels.enumerated() where c != 0 && isolated[Int(c)] { kept[i] = 0 }
        return LabelMap(dims: dims, spacing: spacing, labels: kept)
    }
}

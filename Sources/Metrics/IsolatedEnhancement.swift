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
        let enhancing = Region.enhancingTumour.mask(of: self, convention: convention)
        // Only voxels within one of enhancing tumour can neighbour it: scan its bounding box.
        guard let box = enhancing.boundingBox else { return self }
        let components = ConnectedComponents(enhancing)
        let g = enhancing.grid
        // Per component: its neighbouring voxels, and how many of them are background. A voxel
        // beside two components counts for each; one beside a component twice counts once.
        var neighbours = [Int](repeating: 0, count: components.count + 1)
        var background = [Int](repeating: 0, count: components.count + 1)
        var seen: [Int32] = []
        for z in max(box.lo.z - 1, 0)...min(box.hi.z + 1, g.nz - 1) {
            for y in max(box.lo.y - 1, 0)...min(box.hi.y + 1, g.ny - 1) {
                for x in max(box.lo.x - 1, 0)...min(box.hi.x + 1, g.nx - 1) where components.labels[g.index(x, y, z)] == 0 {
                    seen.removeAll(keepingCapacity: true)
                    for (dx, dy, dz) in Grid.neighbours26 where g.contains(x + dx, y + dy, z + dz) {
                        let c = components.labels[g.index(x + dx, y + dy, z + dz)]
                        guard c != 0, !seen.contains(c) else { continue }
                        seen.append(c)
                        neighbours[Int(c)] += 1
                        if labels[g.index(x, y, z)] == 0 { background[Int(c)] += 1 }
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

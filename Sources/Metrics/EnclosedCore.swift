extension LabelMap {
    /// This map with the oedema that the tumour core surrounds relabelled as necrotic core.
    ///
    /// BraTS defines the tumour core as the enhancing rim and everything inside it, and a cystic or
    /// necrotic core can carry the oedema's signal in every modality: then only its place inside
    /// the rim tells it apart, and a 2-D network sees too little of the rim to use that. Hole
    /// filling does not help, as the predicted rim is rarely closed. So an oedema voxel (label 2)
    /// becomes necrotic core (label 1) when, of the 26 rays from it along the neighbour directions,
    /// at least `fraction` meet core (necrotic core or enhancing tumour) within `reach` voxels while
    /// crossing only oedema; a ray that reaches background, the grid's edge or its length first is
    /// open. Oedema beside a convex core sees it along at most about half the rays; inside a rim
    /// with a gap, along nearly all of them. Every decision reads the map as given.
    ///
    /// `fraction` 0 returns the map unchanged.
    public func fillingEnclosedCore(fraction: Double, reach: Int = 30, convention: LabelConvention) -> LabelMap {
        precondition((0...1).contains(fraction) && reach >= 1, "fraction in 0...1 and a reach of at least one voxel")
        guard fraction > 0 else { return self }
        let directions = Grid.neighbours26
        let needed = Int((fraction * Double(directions.count)).rounded(.up))
        let g = Grid(dims)
        let et = convention.enhancingTumour
        var filled = labels
        for z in 0..<g.nz {
            for y in 0..<g.ny {
                for x in 0..<g.nx where labels[g.index(x, y, z)] == 2 {
                    var closed = 0
                    for (index, (dx, dy, dz)) in directions.enumerated() {
                        // Stop once the remaining rays cannot reach `needed`.
                        guard closed + (directions.count - index) >= needed else { break }
                        var (px, py, pz) = (x, y, z)
                        for _ in 0..<reach {
                            px += dx; py += dy; pz += dz
                            guard g.contains(px, py, pz) else { break }
                            let label = labels[g.index(px, py, pz)]
                            if label == 1 || label == et { closed += 1; break }
                            if label != 2 { break }
                        }
                    }
                    if closed >= needed { filled[g.index(x, y, z)] = 1 }
                }
            }
        }
        return LabelMap(dims: dims, spacing: spacing, labels: filled)
    }
}

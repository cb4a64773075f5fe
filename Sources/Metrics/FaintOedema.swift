extension LabelMap {
    /// This map without the oedema at the tumour's border that is barely brighter on FLAIR than
    /// normal brain.
    ///
    /// Oedema is FLAIR hyperintensity. The study's normal level is the median FLAIR of the brain
    /// outside the whole tumour, its oedema level the median of the voxels labelled oedema (label
    /// 2). Oedema voxels below `fraction` of the way from the one to the other are faint; each
    /// 26-connected component of them that touches a voxel outside the whole tumour (tumour-free
    /// brain or background) becomes background. Faint components enclosed by the tumour stay: a
    /// dark sulcus or vessel inside oedema is part of it. On real scans the network draws the
    /// oedema's border into the blur around it and marks bright cortex beside a tumour as oedema;
    /// both are faint and on the border.
    ///
    /// `flair` holds the FLAIR intensities and `brain` the brain mask on this map's grid, in any
    /// linear scale (the fraction does not depend on it). `fraction` 0 returns the map unchanged.
    public func removingFaintOedema(fraction: Double, flair: [Float], brain: [Bool]) -> LabelMap {
        precondition((0...1).contains(fraction), "a fraction in 0...1")
        precondition(flair.count == labels.count && brain.count == labels.count, "FLAIR and brain on the map's grid")
        guard fraction > 0 else { return self }
        let oedemaLevels = labels.indices.compactMap { labels[$0] == 2 ? flair[$0] : nil }
        let normalLevels = labels.indices.compactMap { brain[$0] && labels[$0] == 0 ? flair[$0] : nil }
        guard let oedema = median(oedemaLevels), let normal = median(normalLevels), oedema > normal else { return self }
        let threshold = normal + Float(fraction) * (oedema - normal)
        let g = Grid(dims)
        let faint = Mask(grid: g, voxels: labels.indices.map { labels[$0] == 2 && flair[$0] < threshold })
        let components = ConnectedComponents(faint)
        var onBorder = [Bool](repeating: false, count: components.count + 1)
        for i in labels.indices where components.labels[i] != 0 && !onBorder[Int(components.labels[i])] {
            let (x, y, z) = g.coordinates(i)
            onBorder[Int(components.labels[i])] = Grid.neighbours26.contains { dx, dy, dz in
                g.contains(x + dx, y + dy, z + dz) && labels[g.index(x + dx, y + dy, z + dz)] == 0
            }
        }
        var kept = labels
        for (i, c) in components.labels.enumerated() where c != 0 && onBorder[Int(c)] { kept[i] = 0 }
        return LabelMap(dims: dims, spacing: spacing, labels: kept)
    }
}

/// The median (the mean of the two middle values for an even count); `nil` for no values.
private func median(_ values: [Float]) -> Float? {
    guard !values.isEmpty else { return nil }
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

extension LabelMap {
    /// This map with every tumour component (26-connected, any tumour label) of fewer than
    /// `minimumVoxels` voxels set to background: the post-processing step that drops the
    /// network's isolated specks, each of which would count as a lesion-wise false positive.
    public func removingLesions(smallerThan minimumVoxels: Int) -> LabelMap {
        guard minimumVoxels > 1 else { return self }
        let components = ConnectedComponents(Mask(grid: Grid(dims), voxels: labels.map { $0 != 0 }))
        var sizes = [Int](repeating: 0, count: components.count + 1)
        for c in components.labels { sizes[Int(c)] += 1 }
        var kept = labels
        for i in kept.indices where components.labels[i] != 0 && sizes[Int(components.labels[i])] < minimumVoxels {
            kept[i] = 0
        }
        return LabelMap(dims: dims, spacing: spacing, labels: kept)
    }
}

extension Region {
    /// The region's size in `map`: voxels, and lesions as 26-connected components (what metrics.json
    /// reports).
    public func extent(in map: LabelMap, convention: LabelConvention) -> (voxels: Int, lesions: Int) {
        map.extent(of: labels(in: convention))
    }
}

extension LabelMap {
    /// The size of the voxels holding any of `labels`: voxels, and 26-connected components. One
    /// mask serves both counts.
    public func extent(of labels: Set<UInt8>) -> (voxels: Int, lesions: Int) {
        let mask = mask(of: labels)
        return (mask.count, ConnectedComponents(mask).count)
    }

    /// The voxels holding any of `labels`, as a binary mask.
    func mask(of labels: Set<UInt8>) -> Mask {
        var selected = [Bool](repeating: false, count: 256)
        for label in labels { selected[Int(label)] = true }
        return Mask(grid: Grid(dims), voxels: self.labels.map { selected[Int($0)] })
    }
}

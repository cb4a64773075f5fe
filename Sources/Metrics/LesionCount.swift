extension Region {
    /// The region's size in `map`: voxels, and lesions as 26-connected components (what metrics.json
    /// reports). One mask serves both counts.
    public func extent(in map: LabelMap, convention: LabelConvention) -> (voxels: Int, lesions: Int) {
        let mask = mask(of: map, convention: convention)
        return (mask.voxels.count { $0 }, ConnectedComponents(mask).count)
    }
}

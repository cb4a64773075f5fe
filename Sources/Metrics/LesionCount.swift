extension Region {
    /// Connected components (26-connectivity) of the region in `map`: the lesion count metrics.json reports.
    public func lesionCount(in map: LabelMap, convention: LabelConvention) -> Int {
        ConnectedComponents(mask(of: map, convention: convention)).count
    }
}

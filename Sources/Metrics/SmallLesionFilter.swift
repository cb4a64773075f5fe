extension LabelMap {
    /// This map without tumour specks, region by region from the innermost: every 26-connected
    /// component of fewer than `minimumVoxels` voxels leaves its region. An enhancing-tumour speck
    /// becomes necrotic core (it stays tumour core), a tumour-core speck (necrotic core and
    /// enhancing tumour) becomes oedema (it stays whole tumour), and a whole-tumour speck becomes
    /// background. Each would otherwise count as a false-positive lesion of its region in the
    /// BraTS lesion-wise scores: the network's isolated specks, and the small islands of core or
    /// enhancement inside a larger tumour.
    public func removingLesions(smallerThan minimumVoxels: Int, convention: LabelConvention) -> LabelMap {
        guard minimumVoxels > 1 else { return self }
        var labels = self.labels
        let steps: [(Region, becomes: UInt8)] = [(.enhancingTumour, 1), (.tumourCore, 2), (.wholeTumour, 0)]
        for (region, replacement) in steps {
            let current = LabelMap(dims: dims, spacing: spacing, labels: labels)
            let components = ConnectedComponents(region.mask(of: current, convention: convention))
            var sizes = [Int](repeating: 0, count: components.count + 1)
            for c in components.labels { sizes[Int(c)] += 1 }
            for (i, c) in components.labels.enumerated() where c != 0 && sizes[Int(c)] < minimumVoxels {
                labels[i] = replacement
            }
        }
        return LabelMap(dims: dims, spacing: spacing, labels: labels)
    }
}

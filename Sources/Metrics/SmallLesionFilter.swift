extension LabelMap {
    /// This map without tumour specks, region by region from the innermost: every 26-connected
    /// component of fewer than `minimumVoxels` voxels leaves its region. An enhancing-tumour speck
    /// becomes necrotic core (it stays tumour core), a tumour-core speck (necrotic core and
    /// enhancing tumour) becomes oedema (it stays whole tumour), and a whole-tumour speck becomes
    /// background. Each would otherwise count as a false-positive lesion of its region in the
    /// BraTS lesion-wise scores: the network's isolated specks, and the small islands of core or
    /// enhancement inside a larger tumour.
    ///
    /// With `fractionOfLargest` above 0, a component also leaves its region when it has fewer voxels
    /// than that share of the region's largest component: a glioma is one dominant lesion, and on
    /// real scans the network's stray components (cortex, vessels, artefacts) are far smaller than it.
    public func removingLesions(smallerThan minimumVoxels: Int, fractionOfLargest: Double = 0,
                                convention: LabelConvention) -> LabelMap {
        guard minimumVoxels > 1 || fractionOfLargest > 0 else { return self }
        var labels = self.labels
        let steps: [(Region, becomes: UInt8)] = [(.enhancingTumour, 1), (.tumourCore, 2), (.wholeTumour, 0)]
        for (region, replacement) in steps {
            let current = LabelMap(dims: dims, spacing: spacing, labels: labels)
            let components = ConnectedComponents(region.mask(of: current, convention: convention))
            var sizes = [Int](repeating: 0, count: components.count + 1)
            for c in components.labels { sizes[Int(c)] += 1 }
            let threshold = max(minimumVoxels, Int((fractionOfLargest * Double(sizes.dropFirst().max() ?? 0)).rounded(.up)))
            for (i, c) in components.labels.enumerated() where c != 0 && sizes[Int(c)] < threshold {
                labels[i] = replacement
            }
        }
        return LabelMap(dims: dims, spacing: spacing, labels: labels)
    }
}

import Metrics

/// The postprocess stage: the network's classes on the crop window become the mask that is
/// written, on the input grid. Classes map to the output convention's labels, small and
/// relatively small components leave their region, enhancement with almost nothing tumorous
/// around it is removed, oedema that the core encloses becomes core, oedema at the border that is
/// barely brighter on FLAIR than normal brain is removed, the regions are measured, and the
/// window is put back into the input grid.
public struct Postprocessor: Sendable {
    public var convention: LabelConvention
    public var options: PostprocessingOptions

    public init(convention: LabelConvention = .brats2020, options: PostprocessingOptions = PostprocessingOptions()) {
        self.convention = convention
        self.options = options
    }

    /// The mask of `classes` (one per window voxel of `study`) on the input grid, with its regions.
    /// `flair` is the study's FLAIR as acquired, over the window (`PreprocessedStudy.windowed`).
    public func callAsFunction(_ classes: [UInt8], of study: PreprocessedStudy, flair: [Float]) -> SegmentationMask {
        // Filtered and measured over the crop window (no tumour lies outside it), then put back.
        let labels = LabelMap(dims: study.window.size, spacing: study.bratsSpacing, labels: classes.map(label(ofClass:)))
        let withoutSpecks = removingSpecks(from: labels)
        let withoutVessels = removingSpecks(
            from: withoutSpecks.removingIsolatedEnhancement(backgroundShare: options.isolatedEnhancementShare, convention: convention))
        // Removing faint oedema can leave pieces of the border apart: specks once more.
        let window = removingSpecks(
            from: withoutVessels.fillingEnclosedCore(fraction: options.enclosedCoreFraction, convention: convention)
                .removingFaintOedema(fraction: options.faintOedemaFraction, flair: flair, brain: study.brainMask))
        // The BraTS regions, and the two labels they are built from besides ET.
        let measured = Region.allCases.map { ($0.rawValue, $0.labels(in: convention)) } + [("NCR", [1]), ("ED", [2])]
        var regions: [String: MetricsDocument.RegionSummary] = [:]
        for (name, labels) in measured {
            let (voxels, lesions) = window.extent(of: labels)
            regions[name] = .init(volumeML: Double(voxels) * study.inputGeometry.voxelVolume / 1000, lesions: lesions)
        }
        return SegmentationMask(labels: LabelMap(dims: study.inputGeometry.dims, spacing: study.inputGeometry.spacing,
                                                  labels: study.uncrop(window.labels)),
                                regions: regions)
    }

    /// `map` without small and relatively small components (`LabelMap.removingLesions`). It runs
    /// again after isolated enhancement and faint oedema are removed, which can leave pieces of
    /// oedema apart.
    private func removingSpecks(from map: LabelMap) -> LabelMap {
        map.removingLesions(smallerThan: options.minimumLesionVoxels, fractionOfLargest: options.minimumLesionFraction,
                         convention: convention)
    }

    /// Network class (0 background, 1 NCR, 2 ED, 3 ET) to the output convention's label.
    public func label(ofClass c: UInt8) -> UInt8 {
        c == 3 ? convention.enhancingTumour : c
    }
}

/// The written mask on the input grid, and each region's volume and lesion count.
public struct SegmentationMask: Sendable {
    public let labels: LabelMap
    /// By region ("WT", "TC", "ET") and label ("NCR", "ED").
    public let regions: [String: MetricsDocument.RegionSummary]
}

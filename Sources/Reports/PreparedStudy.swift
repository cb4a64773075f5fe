/// What every page of one study's report shares, computed once: validated input, display windows,
/// tumour area per slice, the brain crop and the header lines.
struct PreparedStudy {
    let input: ReportInput
    let windows: (flair: IntensityWindow, t1ce: IntensityWindow)
    /// Tumour voxels per axial slice.
    let tumourArea: [Int]
    let crop: (x: Range<Int>, y: Range<Int>)
    let subtitles: [String]

    /// Crop margin around the brain, in voxels.
    static let cropMargin = 4

    init(_ input: ReportInput) throws(ReportError) {
        try input.validate()
        self.input = input
        windows = (IntensityWindow(brainOf: input.flair), IntensityWindow(brainOf: input.t1ce))
        tumourArea = SliceSelection.tumourArea(of: input)
        crop = TileGeometry.brainCrop(of: input, margin: Self.cropMargin)
        subtitles = Self.subtitles(input)
    }

    var hasTumour: Bool { tumourArea.contains { $0 > 0 } }

    /// Tile renderer whose tiles have `longSide` pixels along their longer physical side.
    func tiles(longSide: Int) -> SliceTiles {
        SliceTiles(input: input,
                   geometry: TileGeometry(xRange: crop.x, yRange: crop.y, spacing: input.spacing,
                                          orientation: input.orientation, longSide: longSide),
                   windows: windows)
    }

    /// Volumes line and viewing-convention line shown under every title.
    static func subtitles(_ input: ReportInput) -> [String] {
        let v = RegionVolumes(labels: input.labels, spacing: input.spacing)
        let spacing = input.spacing.map { decimal($0, places: 2) }.joined(separator: " x ")
        return [
            "Whole tumour (WT) \(decimal(v.wholeTumour, places: 1)) mL   Tumour core (TC) "
                + "\(decimal(v.tumourCore, places: 1)) mL   Enhancing (ET) \(decimal(v.enhancingTumour, places: 1)) mL",
            "Axial, radiological: patient right on image left. Voxel \(spacing) mm",
        ]
    }

    /// `value` rounded to `places` decimals (FoundationEssentials has no String(format:)).
    static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1
        for _ in 0..<places { scale *= 10 }
        let scaled = Int((abs(value) * Double(scale)).rounded())
        let fraction = String(scaled % scale)
        let sign = value < 0 && scaled != 0 ? "-" : ""
        return places == 0 ? sign + String(scaled)
            : sign + String(scaled / scale) + "." + String(repeating: "0", count: places - fraction.count) + fraction
    }
}

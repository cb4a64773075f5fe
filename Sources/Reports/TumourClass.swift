/// The three BraTS tumour sub-regions a label map distinguishes, with their report colours.
///
/// Palette: the Okabe-Ito colour-blind-safe set, keeping the usual BraTS hues
/// (edema green, necrosis red-orange, enhancing yellow) so the three stay distinct under
/// deuteranopia and protanopia by both hue and lightness.
public enum TumourClass: Int, CaseIterable, Sendable {
    /// Necrotic / non-enhancing tumour core, label 1.
    case ncr
    /// Peritumoural edema, label 2.
    case ed
    /// Enhancing tumour, label 4 (BraTS 2020) or 3 (BraTS 2023).
    case et

    /// The class of a BraTS label in either convention; nil for background and unknown values.
    public init?(label: UInt8) {
        switch label {
        case 1: self = .ncr
        case 2: self = .ed
        case 3, 4: self = .et
        default: return nil
        }
    }

    public var color: RGB {
        switch self {
        case .ncr: RGB(213, 94, 0)    // vermillion
        case .ed: RGB(0, 158, 115)    // bluish green
        case .et: RGB(240, 228, 66)   // yellow
        }
    }

    /// Legend text.
    public var name: String {
        switch self {
        case .ncr: "NCR necrotic/non-enh. core"
        case .ed: "ED edema"
        case .et: "ET enhancing tumour"
        }
    }
}

/// Tumour volumes of the BraTS evaluation regions, in mL.
public struct RegionVolumes: Equatable, Sendable {
    /// Whole tumour: NCR + ED + ET.
    public var wholeTumour: Double
    /// Tumour core: NCR + ET.
    public var tumourCore: Double
    /// Enhancing tumour.
    public var enhancingTumour: Double

    public init(wholeTumour: Double, tumourCore: Double, enhancingTumour: Double) {
        self.wholeTumour = wholeTumour
        self.tumourCore = tumourCore
        self.enhancingTumour = enhancingTumour
    }

    /// Volumes from a label map: voxel counts times the voxel volume (`spacing` in mm, 1 mL = 1000 mm^3).
    public init(labels: [UInt8], spacing: [Double]) {
        var counts = [Int](repeating: 0, count: TumourClass.allCases.count)
        for label in labels {
            if let c = TumourClass(label: label) { counts[c.rawValue] += 1 }
        }
        let voxelML = spacing.reduce(1, *) / 1000
        func mL(_ classes: TumourClass...) -> Double { Double(classes.reduce(0) { $0 + counts[$1.rawValue] }) * voxelML }
        self.init(wholeTumour: mL(.ncr, .ed, .et), tumourCore: mL(.ncr, .et), enhancingTumour: mL(.et))
    }
}

import FoundationEssentials

/// Renders a study's PNG report: `overview.png`, a montage of the most affected axial slices, and one
/// `slice_NNN.png` per slice containing tumour (NNN the 0-based voxel z index, at least 3 digits).
///
/// Every page shows FLAIR | T1ce pairs with the label overlay (see `TumourClass` for the palette), the study
/// id, the WT/TC/ET volumes in mL and a legend, so it reads without any other tool. Greyscale windows are the
/// 0.5-99.5 percentiles of each modality's brain voxels; tiles are cropped to the brain and scaled so
/// millimetres are square. Captions give the slice as "slice z of (last z)", 0-based like the file names.
public struct ReportRenderer: Sendable {
    /// Slices in the overview montage.
    public var overviewSliceCount: Int
    /// Longer side, in pixels, of each overview tile.
    public var overviewTileSize: Int
    /// Longer side, in pixels, of each per-slice page tile.
    public var sliceTileSize: Int

    /// Overview pairs per row.
    static let overviewColumns = 2

    public init(overviewSliceCount: Int = 6, overviewTileSize: Int = 288, sliceTileSize: Int = 448) {
        self.overviewSliceCount = overviewSliceCount
        self.overviewTileSize = overviewTileSize
        self.sliceTileSize = sliceTileSize
    }

    /// All report images by file name.
    public func render(_ input: ReportInput) throws(ReportError) -> [String: PNGImage] {
        var images: [String: PNGImage] = [:]
        try renderEach(input) { name, image in images[name] = image }
        return images
    }

    /// Renders and writes the report into `directory` (created if missing), one image at a time so memory
    /// stays at one page; returns the written paths, overview first.
    public func write(_ input: ReportInput, to directory: String) throws(ReportError) -> [String] {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .io("cannot create \(directory): \(error)")
        }
        var paths: [String] = []
        try renderEach(input) { (name, image) throws(ReportError) in
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            do throws(PNGError) { try image.write(to: path) } catch { throw .png(error) }
            paths.append(path)
        }
        return paths
    }

    /// File name of the per-slice page for slice `z`.
    public static func sliceFileName(_ z: Int) -> String {
        let digits = String(z)
        return "slice_" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits + ".png"
    }

    /// Hands each page to `body` as soon as it is drawn: the overview, then slices in ascending z.
    func renderEach(_ input: ReportInput, _ body: (String, PNGImage) throws(ReportError) -> Void) throws(ReportError) {
        let study = try PreparedStudy(input)
        try body("overview.png", overviewSheet(study).render())
        let tiles = study.tiles(longSide: sliceTileSize)
        for z in study.tumourArea.indices where study.tumourArea[z] > 0 {
            let sheet = Sheet(title: "\(input.studyID)  slice \(z)", subtitles: study.subtitles,
                              pairs: [pair(tiles, z: z)], columns: 1,
                              tileWidth: tiles.geometry.width, tileHeight: tiles.geometry.height)
            try body(Self.sliceFileName(z), sheet.render())
        }
    }

    /// The overview page before drawing (tests read its layout).
    func overviewSheet(_ study: PreparedStudy) -> Sheet {
        let tiles = study.tiles(longSide: overviewTileSize)
        let slices = SliceSelection.overview(of: study.input, area: study.tumourArea, count: overviewSliceCount)
        let title = study.input.studyID + (study.hasTumour ? "" : "  (no tumour segmented)")
        return Sheet(title: title, subtitles: study.subtitles, pairs: slices.map { pair(tiles, z: $0) },
                     columns: min(Self.overviewColumns, max(1, slices.count)),
                     tileWidth: tiles.geometry.width, tileHeight: tiles.geometry.height)
    }

    private func pair(_ tiles: SliceTiles, z: Int) -> Sheet.Pair {
        let images = tiles.render(z: z)
        return Sheet.Pair(flair: images.flair, t1ce: images.t1ce, caption: "slice \(z) of \(tiles.input.dims[2] - 1)")
    }
}

import FoundationEssentials
import Glibc
import Platform

/// Renders a study's PNG report: `overview.png`, a montage of the most affected axial slices, and one
/// `slice_NNN.png` per slice containing tumour (NNN the slice's number counted from 1, as viewers and
/// the page's title number it; at least 3 digits).
///
/// Every page shows FLAIR | T1ce pairs with the label overlay (see `TumourClass` for the palette), the study
/// id, the WT/TC/ET volumes in mL and a legend, so it reads without any other tool. Greyscale windows are the
/// 0.5-99.5 percentiles of each modality's brain voxels; tiles are cropped to the brain and scaled so
/// millimetres are square. Captions number the slice from 1, as the file names do, and give its 0-based
/// voxel index z, as NIfTI tools do.
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
        Dictionary(uniqueKeysWithValues: try renderPages(input) { name, image in (name, image) })
    }

    /// Renders and writes the report into `directory` (created if missing), each page written as soon as it is
    /// drawn so memory holds only the pages in flight; returns the written paths, overview first.
    public func write(_ input: ReportInput, to directory: String) throws(ReportError) -> [String] {
        do { try FileSystem.makeDirectories(directory) } catch { throw .folderFailed(path: error.path, code: error.code) }
        return try renderPages(input) { (name, image) throws(ReportError) in
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            do throws(PNGError) { try image.write(to: path) } catch { throw .png(error) }
            return path
        }
    }

    /// File name of the GAN module's page.
    public static let anomalyFileName = "anomaly.png"

    /// File name of the per-slice page for 0-based slice `z`: its number counted from 1.
    public static func sliceFileName(_ z: Int) -> String {
        let digits = String(z + 1)
        return "slice_" + String(repeating: "0", count: max(0, 3 - digits.count)) + digits + ".png"
    }

    /// Draws every page, the overview first, then slices in ascending z, then the anomaly page when there is
    /// one; hands each to `finish` as soon as it is drawn and returns what `finish` made of them, in page order; the first error in page order is
    /// thrown. Pages are independent, so they are drawn and finished in parallel, one per core, which also
    /// bounds memory to a page per core (plus whatever `finish` keeps).
    func renderPages<T: Sendable>(_ input: ReportInput, _ finish: @Sendable (String, PNGImage) throws(ReportError) -> T)
        throws(ReportError) -> [T] {
        let study = try PreparedStudy(input)
        let tiles = study.tiles(longSide: sliceTileSize)
        let slices = study.tumourArea.indices.filter { study.tumourArea[$0] > 0 }
        /// Page 0 is the overview, page i the slice page of `slices[i - 1]`, the last the anomaly page.
        @Sendable func page(_ index: Int) throws(ReportError) -> T {
            guard index > 0 else { return try finish("overview.png", overviewSheet(study).render()) }
            guard index <= slices.count else {
                var anomaly = input.anomaly!
                anomaly.labels = input.labels
                anomaly.storedSlices = input.storedSlices
                return try finish(Self.anomalyFileName, AnomalyPage.render(anomaly))
            }
            let z = slices[index - 1]
            let sheet = Sheet(title: "\(input.studyID)  " + Sheet.sliceNumber(z: z, slices: input.dims[2]), subtitles: study.subtitles,
                              pairs: [pair(tiles, z: z)], columns: 1,
                              tileWidth: tiles.geometry.width, tileHeight: tiles.geometry.height)
            return try finish(Self.sliceFileName(z), sheet.render())
        }
        let pages = slices.count + 1 + (input.anomaly == nil ? 0 : 1)
        let results = (0..<pages).parallelMap { index in Result { () throws(ReportError) in try page(index) } }
        return try results.map { result throws(ReportError) in try result.get() }
    }

    /// The overview page before drawing (tests read its layout).
    func overviewSheet(_ study: PreparedStudy) -> Sheet {
        let tiles = study.tiles(longSide: overviewTileSize)
        let slices = SliceSelection.overview(of: study.input, area: study.tumourArea, count: overviewSliceCount)
        let title = study.input.studyID + (study.hasTumour ? "" : "  (no tumour segmented)")
        return Sheet(title: title, subtitles: study.subtitles + study.input.notes, pairs: slices.map { pair(tiles, z: $0) },
                     columns: min(Self.overviewColumns, max(1, slices.count)),
                     tileWidth: tiles.geometry.width, tileHeight: tiles.geometry.height)
    }

    private func pair(_ tiles: SliceTiles, z: Int) -> Sheet.Pair {
        let images = tiles.render(z: z)
        return Sheet.Pair(flair: images.flair, t1ce: images.t1ce, caption: Sheet.caption(z: z, slices: tiles.input.dims[2], storedZ: tiles.input.storedSlice(z)))
    }
}

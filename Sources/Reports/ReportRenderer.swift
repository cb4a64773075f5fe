import FoundationEssentials
import Glibc
import Platform

/// Renders a study's PNG report, one reviewable document of at most three pages:
/// `overview.png` (the most affected axial slices across the lesion, large, with the model's caveat),
/// `montage.png` (every slice with tumour as a compact pair, in order; evenly spaced ones when there are
/// more than `montageSliceLimit`) and, with a GAN, `anomaly.png`.
///
/// Every page shows FLAIR | T1ce pairs with the label overlay (see `TumourClass` for the palette), the study
/// id, the WT/TC/ET volumes in mL and a legend, so it reads without any other tool. Greyscale windows are the
/// 0.5-99.5 percentiles of each modality's brain voxels; tiles are cropped to the brain, scaled so
/// millimetres are square and marked R/L/A/P. Captions number the slice from 1, as viewers do, and give
/// the file's voxel index z where the file stores axial slices, as NIfTI tools do.
public struct ReportRenderer: Sendable {
    /// Slices in the overview montage.
    public var overviewSliceCount: Int
    /// Longer side, in pixels, of each overview tile.
    public var overviewTileSize: Int
    /// Longer side, in pixels, of each montage tile.
    public var montageTileSize: Int
    /// Most slices the montage shows.
    public var montageSliceLimit: Int

    /// Overview pairs per row.
    static let overviewColumns = 2
    /// Montage pairs per row.
    static let montageColumns = 3

    public init(overviewSliceCount: Int = 6, overviewTileSize: Int = 288, montageTileSize: Int = 224, montageSliceLimit: Int = 48) {
        self.overviewSliceCount = overviewSliceCount
        self.overviewTileSize = overviewTileSize
        self.montageTileSize = montageTileSize
        self.montageSliceLimit = montageSliceLimit
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

    /// File name of the montage of every slice with tumour.
    public static let montageFileName = "montage.png"

    /// Draws every page, the overview first, then the montage when there is tumour, then the anomaly page
    /// when there is one; hands each to `finish` as soon as it is drawn and returns what `finish` made of
    /// them, in page order. Tiles are drawn in parallel, one per core.
    func renderPages<T>(_ input: ReportInput, _ finish: (String, PNGImage) throws(ReportError) -> T) throws(ReportError) -> [T] {
        let study = try PreparedStudy(input)
        var results = [try finish("overview.png", overviewSheet(study).render())]
        if let montage = montageSheet(study) {
            results.append(try finish(Self.montageFileName, montage.render()))
        }
        if var anomaly = input.anomaly {
            anomaly.labels = input.labels
            anomaly.storedSlices = input.storedSlices
            results.append(try finish(Self.anomalyFileName, AnomalyPage.render(anomaly)))
        }
        return results
    }

    /// The overview page before drawing (tests read its layout).
    func overviewSheet(_ study: PreparedStudy) -> Sheet {
        let tiles = study.tiles(longSide: overviewTileSize)
        let slices = SliceSelection.overview(of: study.input, area: study.tumourArea, count: overviewSliceCount)
        let title = study.input.studyID + (study.hasTumour ? "" : "  (no tumour segmented)")
        return Sheet(title: title, subtitles: study.subtitles + study.input.notes, pairs: pairs(tiles, slices),
                     columns: min(Self.overviewColumns, max(1, slices.count)),
                     tileWidth: tiles.geometry.width, tileHeight: tiles.geometry.height)
    }

    /// The montage page before drawing; nil without tumour.
    func montageSheet(_ study: PreparedStudy) -> Sheet? {
        let all = study.tumourArea.indices.filter { study.tumourArea[$0] > 0 }
        guard !all.isEmpty else { return nil }
        let slices = SliceSelection.evenlySpaced(all, count: montageSliceLimit)
        let tiles = study.tiles(longSide: montageTileSize)
        let what = slices.count == all.count ? "all \(all.count) slices with tumour"
            : "\(slices.count) of the \(all.count) slices with tumour, evenly spaced"
        return Sheet(title: "\(study.input.studyID)  \(what)", subtitles: study.subtitles, pairs: pairs(tiles, slices),
                     columns: min(Self.montageColumns, slices.count),
                     tileWidth: tiles.geometry.width, tileHeight: tiles.geometry.height)
    }

    /// The pairs of `slices`, drawn in parallel.
    private func pairs(_ tiles: SliceTiles, _ slices: [Int]) -> [Sheet.Pair] {
        slices.indices.parallelMap { pair(tiles, z: slices[$0]) }
    }

    private func pair(_ tiles: SliceTiles, z: Int) -> Sheet.Pair {
        let images = tiles.render(z: z)
        return Sheet.Pair(flair: images.flair, t1ce: images.t1ce, caption: Sheet.caption(z: z, slices: tiles.input.dims[2], storedZ: tiles.input.storedSlice(z)))
    }
}

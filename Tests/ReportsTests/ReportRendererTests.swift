import Foundation
import Glibc
import Testing
@testable import Reports

/// A 64x64x8 study: brain everywhere (value 100 + x), a tumour block at x 10..<20, y 40..<50, z 3...4
/// (ED shell, NCR and ET in its centre), ET written as `etLabel`.
func syntheticStudy(orientation: DisplayOrientation = DisplayOrientation(), etLabel: UInt8 = 4,
                    tumour: Bool = true) -> ReportInput {
    let dims = [64, 64, 8]
    var flair = [Float](repeating: 0, count: 64 * 64 * 8), labels = [UInt8](repeating: 0, count: flair.count)
    for z in 0..<8 { for y in 0..<64 { for x in 0..<64 {
        let i = (z * 64 + y) * 64 + x
        flair[i] = 100 + Float(x)
        guard tumour, (10..<20).contains(x), (40..<50).contains(y), (3...4).contains(z) else { continue }
        labels[i] = (13..<17).contains(x) && (43..<47).contains(y) ? (x < 15 ? 1 : etLabel) : 2
    } } }
    return ReportInput(studyID: "synthetic-001", dims: dims, spacing: [1, 1, 2], flair: flair, t1ce: flair,
                       labels: labels, orientation: orientation)
}

func isOverlay(_ c: RGB) -> Bool { c.r != c.g || c.g != c.b }

/// Centroid column and row of overlay pixels in the FLAIR tile of the first overview pair.
func overlayCentroid(_ input: ReportInput) throws -> (x: Double, y: Double, tileWidth: Int, tileHeight: Int) {
    let renderer = ReportRenderer()
    let page = try #require(try renderer.render(input)["overview.png"])
    let study = try PreparedStudy(input)
    let geometry = study.tiles(longSide: renderer.overviewTileSize).geometry
    let sheet = renderer.overviewSheet(study)
    let origin = sheet.tileOrigin(pair: 0, panel: 0)
    var (sx, sy, n) = (0.0, 0.0, 0.0)
    for row in 0..<geometry.height { for column in 0..<geometry.width where isOverlay(page[origin.x + column, origin.y + row]) {
        (sx, sy, n) = (sx + Double(column), sy + Double(row), n + 1)
    } }
    #expect(n > 0)
    return (sx / n, sy / n, geometry.width, geometry.height)
}

@Suite struct ReportRendererTests {
    @Test func reportFolderUnderAFileFailsWithItsErrno() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)").path
        #expect(FileManager.default.createFile(atPath: file, contents: Data([1])))
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(throws: ReportError.folderFailed(path: file + "/report/pages", code: ENOTDIR)) {
            _ = try ReportRenderer().write(syntheticStudy(), to: file + "/report/pages")
        }
    }

    @Test func reportFolderIsMadeWithItsParents() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let written = try ReportRenderer().write(syntheticStudy(), to: root + "/a/b")
        #expect(written.first == root + "/a/b/overview.png" && FileManager.default.fileExists(atPath: written[0]))
    }

    @Test func overviewOverlayCoversExactlyTheTumourVoxels() throws {
        let input = syntheticStudy()
        let renderer = ReportRenderer()
        let images = try renderer.render(input)
        let page = try PNGImage.decode(try #require(images["overview.png"]).encodePNG())

        let study = try PreparedStudy(input)
        let sheet = renderer.overviewSheet(study)
        #expect((page.width, page.height) == (sheet.width, sheet.height))
        #expect(sheet.pairs.map(\.caption) == ["slice 4 of 8 (z 3)", "slice 5 of 8 (z 4)"])

        let geometry = study.tiles(longSide: renderer.overviewTileSize).geometry
        #expect(max(geometry.width, geometry.height) >= 240)
        for panel in 0..<2 {
            let origin = sheet.tileOrigin(pair: 0, panel: panel)
            for row in 0..<geometry.height { for column in 0..<geometry.width {
                let x = Int(geometry.voxelX(column: column)), y = Int(geometry.voxelY(row: row))
                let tumour = input.labels[(3 * 64 + y) * 64 + x] != 0
                #expect(isOverlay(page[origin.x + column, origin.y + row]) == tumour, "pixel \(column),\(row) voxel \(x),\(y)")
            } }
            let inside = geometry.pixel(voxelX: 11, voxelY: 41), outside = geometry.pixel(voxelX: 40, voxelY: 20)
            #expect(isOverlay(page[origin.x + inside.column, origin.y + inside.row]))
            #expect(!isOverlay(page[origin.x + outside.column, origin.y + outside.row]))
        }
    }

    /// Each legend swatch looks as the overlay does: the class's full colour as a border, and its
    /// translucent fill over dark tissue on the left half and bright tissue on the right.
    @Test func legendSwatchesShowTheColoursAsTheyAppear() throws {
        let input = syntheticStudy()
        let renderer = ReportRenderer()
        let page = try PNGImage.decode(try #require(try renderer.render(input)["overview.png"]).encodePNG())
        var (x, y) = renderer.overviewSheet(try PreparedStudy(input)).legendOrigin
        for c in TumourClass.allCases {
            func blend(_ grey: Double) -> RGB {
                let channel = { (v: UInt8) in UInt8((grey * (1 - 0.35) + Double(v) * 0.35).rounded()) }
                return RGB(channel(c.color.r), channel(c.color.g), channel(c.color.b))
            }
            #expect(page[x, y] == c.color && page[x + 15, y + 15] == c.color && page[x + 1, y + 8] == c.color)
            #expect(page[x + 4, y + 8] == blend(80) && page[x + 11, y + 8] == blend(200), "\(c)")
            x += 16 + 8 + BitmapFont.size(of: c.name, scale: Sheet.textScale).width + 28
        }
    }

    @Test func classesGetTheirPaletteColoursInEitherEtConvention() throws {
        for et: UInt8 in [3, 4] {
            let input = syntheticStudy(etLabel: et)
            let tiles = try PreparedStudy(input).tiles(longSide: 256)
            let classes = tiles.classMap(z: 3)
            for (x, y, expected) in [(11, 41, TumourClass.ed), (14, 44, .ncr), (16, 45, .et), (40, 20, nil)] {
                let p = tiles.geometry.pixel(voxelX: x, voxelY: y)
                #expect(classes[p.row * tiles.geometry.width + p.column] == expected)
            }
        }
    }

    /// One document: the overview and a montage of every slice with tumour (z 3 and 4 here,
    /// captioned as viewers number them).
    @Test func montageOfEveryTumourSlice() throws {
        let renderer = ReportRenderer()
        #expect(try renderer.render(syntheticStudy()).keys.sorted() == ["montage.png", "overview.png"])
        let montage = try #require(renderer.montageSheet(try PreparedStudy(syntheticStudy())))
        #expect(montage.title == "synthetic-001  all 2 slices with tumour")
        #expect(montage.pairs.map(\.caption) == ["slice 4 of 8 (z 3)", "slice 5 of 8 (z 4)"])
    }

    /// Past the limit the montage keeps evenly spaced slices, the first and the last among them.
    @Test func montageOfALargeTumourIsEvenlySpaced() {
        #expect(SliceSelection.evenlySpaced(Array(10..<20), count: 4) == [10, 13, 16, 19])
        #expect(SliceSelection.evenlySpaced([2, 5, 9], count: 4) == [2, 5, 9])
    }

    @Test func defaultRasOrientationIsRadiological() throws {
        // The tumour sits at low x (patient left for RAS+) and high y (anterior).
        let radiological = try overlayCentroid(syntheticStudy())
        #expect(radiological.x > Double(radiological.tileWidth) / 2)  // patient left on the image right
        #expect(radiological.y < Double(radiological.tileHeight) / 2)  // anterior at the top
        let unflipped = try overlayCentroid(syntheticStudy(orientation: DisplayOrientation(flipX: false, flipY: false)))
        #expect(unflipped.x < Double(unflipped.tileWidth) / 2)
        #expect(unflipped.y > Double(unflipped.tileHeight) / 2)
    }

    @Test func orientationFromAffine() {
        #expect(DisplayOrientation(affine: [[1, 0, 0, -90], [0, 1, 0, -126], [0, 0, 1, -72]]) == DisplayOrientation(flipX: true, flipY: true))
        #expect(DisplayOrientation(affine: [[-1, 0, 0, 0], [0, -1, 0, 239], [0, 0, 1, 0]]) == DisplayOrientation(flipX: false, flipY: false))
    }

    @Test func volumesUseAnisotropicVoxelVolume() {
        let labels = [UInt8](repeating: 1, count: 10) + [UInt8](repeating: 2, count: 20)
            + [UInt8](repeating: 4, count: 5) + [UInt8](repeating: 3, count: 3) + [0, 0, 7]
        let v = RegionVolumes(labels: labels, spacing: [0.5, 2, 3])  // 3 mm^3 per voxel
        #expect(abs(v.wholeTumour - 38 * 0.003) < 1e-12)
        #expect(abs(v.tumourCore - 18 * 0.003) < 1e-12)
        #expect(abs(v.enhancingTumour - 8 * 0.003) < 1e-12)
    }

    @Test func tilesKeepMillimetresSquare() {
        let g = TileGeometry(xRange: 0..<64, yRange: 0..<32, spacing: [1, 2, 1], orientation: DisplayOrientation(), longSide: 256)
        #expect((g.width, g.height) == (256, 256))
        let wide = TileGeometry(xRange: 0..<100, yRange: 0..<100, spacing: [1.5, 1, 1], orientation: DisplayOrientation(), longSide: 300)
        #expect((wide.width, wide.height) == (300, 200))
    }

    @Test func studyWithoutTumourStillRenders() throws {
        let input = syntheticStudy(tumour: false)
        let renderer = ReportRenderer()
        let images = try renderer.render(input)
        #expect(images.keys.sorted() == ["overview.png"])
        let page = try PNGImage.decode(try #require(images["overview.png"]).encodePNG())
        let sheet = renderer.overviewSheet(try PreparedStudy(input))
        #expect(sheet.pairs.count == 6)
        let origin = sheet.tileOrigin(pair: 0, panel: 0)
        #expect(!(0..<sheet.tileHeight).contains { row in (0..<sheet.tileWidth).contains { isOverlay(page[origin.x + $0, origin.y + row]) } })
    }

    @Test func overviewSpreadsSlicesOverTheTumourExtent() {
        let input = syntheticStudy()
        var area = [Int](repeating: 0, count: 20)
        for z in 2...13 { area[z] = 10 }
        area[5] = 50
        area[6] = 40
        #expect(SliceSelection.overview(of: input, area: area, count: 3) == [5, 6, 10])
    }

    @Test func writeCreatesTheFolderAndReturnsPaths() throws {
        let folder = FileManager.default.temporaryDirectory.path + "/reports-\(UInt32.random(in: 0...UInt32.max))/report"
        defer { try? FileManager.default.removeItem(atPath: folder + "/..") }
        let paths = try ReportRenderer().write(syntheticStudy(), to: folder)
        #expect(paths == ["overview.png", "montage.png"].map { folder + "/" + $0 })
        for path in paths { _ = try PNGImage.decode([UInt8](Data(contentsOf: URL(fileURLWithPath: path)))) }
    }

    @Test func rejectsMismatchedInput() {
        var input = syntheticStudy()
        input.labels.removeLast()
        #expect(throws: ReportError.self) { try ReportRenderer().render(input) }
    }

    @Test func decimalFormatting() {
        #expect(PreparedStudy.decimal(60.349, places: 1) == "60.3")
        #expect(PreparedStudy.decimal(0.04, places: 2) == "0.04")
        #expect(PreparedStudy.decimal(2.5, places: 2) == "2.50")
        #expect(PreparedStudy.decimal(-1.25, places: 1) == "-1.3")
    }
}

@Suite struct ReportNotesTests {
    /// The model's caveat goes on the overview page under the volumes and the viewing convention,
    /// and only there: slice pages keep the two standard lines.
    @Test func notesAreOnTheOverviewOnly() throws {
        var input = syntheticStudy()
        input.notes = ["RESEARCH USE ONLY, not for diagnosis. Model m.safetensors (sha256 0123456789ab)", "trained on: x"]
        let study = try PreparedStudy(input)
        let sheet = ReportRenderer().overviewSheet(study)
        #expect(sheet.subtitles.count == 4)
        #expect(Array(sheet.subtitles.suffix(2)) == input.notes)
        #expect(study.subtitles.count == 2)
    }
}

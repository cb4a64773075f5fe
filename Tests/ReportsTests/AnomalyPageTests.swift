import Testing
@testable import Reports

@Suite struct AnomalyPageTests {
    @Test func heatMapRunsBlackRedYellowWhite() {
        #expect(AnomalyPage.heat(0) == RGB(0, 0, 0))
        #expect(AnomalyPage.heat(1.0 / 3) == RGB(255, 0, 0))
        #expect(AnomalyPage.heat(2.0 / 3) == RGB(255, 255, 0))
        #expect(AnomalyPage.heat(1) == RGB(255, 255, 255) && AnomalyPage.heat(7) == RGB(255, 255, 255))
    }

    /// Two slices of a 10x8x3 volume: a page with two rows of four 40-pixel-wide tiles.
    @Test func pageHasFourTilesPerSlice() throws {
        let dims = [10, 8, 3], n = 240
        let original = (0..<n).map { Float($0 % 7 + 1) }
        var labels = [UInt8](repeating: 0, count: n)
        labels[90] = 2
        let input = AnomalyPageInput(studyID: "A", dims: dims, spacing: [1, 1, 1], orientation: DisplayOrientation(),
                                     modality: "T1", original: original, labels: labels, inpainted: original,
                                     anomaly: (0..<n).map { Float($0) / Float(n) }, anomalyLabel: "anomaly (1 - D)",
                                     slices: [0, 1])
        let page = try AnomalyPage.render(input, tileSize: 40)
        #expect(page.width >= 4 * 40 && page.height > 2 * 32)
        // The colour scale under the grid runs from mid-grey (0) to opaque white (1).
        let bottom = (page.height - 40) * page.width..<page.height * page.width
        let colours = Set(bottom.map { RGB(page.pixels[3 * $0], page.pixels[3 * $0 + 1], page.pixels[3 * $0 + 2]) })
        #expect(colours.contains(RGB(128, 128, 128)) && colours.contains(AnomalyPage.overlay(grey: 128, 128.0 / 255))
                && colours.contains(RGB(255, 255, 255)))
        #expect(throws: ReportError.self) {
            var bad = input
            bad.anomaly = []
            _ = try AnomalyPage.render(bad)
        }
    }
}

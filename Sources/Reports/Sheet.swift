/// One report page: a header bar, a grid of FLAIR | T1ce tile pairs with a caption under each, and a legend.
/// The overview and the per-slice pages differ only in content, so they share this layout.
struct Sheet {
    /// A FLAIR | T1ce pair and its caption.
    struct Pair {
        let flair: PNGImage
        let t1ce: PNGImage
        let caption: String
    }

    let title: String
    let subtitles: [String]
    let pairs: [Pair]
    let columns: Int
    let tileWidth: Int
    let tileHeight: Int

    static let margin = 16
    static let panelGap = 4
    static let pairGap = 20
    static let textScale = 2
    static let titleScale = 3
    static let lineGap = 8
    static let captionHeight = 30
    static let legendHeight = 36
    static let swatch = 16

    /// Slice `z` (0-based) counted from 1, as viewers number slices: "slice 87 of 155".
    static func sliceNumber(z: Int, slices: Int) -> String { "slice \(z + 1) of \(slices)" }

    /// A tile pair's caption: the slice's number, as the file names (`slice_NNN.png`) give it, and its
    /// 0-based voxel index z, as NIfTI tools give it.
    /// `storedZ` is the slice's voxel index k in the file, when the shown slices are the file's own;
    /// nil leaves it out (slices of a study stored sagittally or coronally have no single k).
    static func caption(z: Int, slices: Int, storedZ: Int?) -> String {
        sliceNumber(z: z, slices: slices) + (storedZ.map { " (z \($0))" } ?? "")
    }

    static let pageColor = RGB(28, 28, 28)
    static let headerColor = RGB(48, 48, 48)
    static let textColor = RGB(240, 240, 240)
    static let labelBackground = RGB(0, 0, 0)

    var rows: Int { (pairs.count + columns - 1) / columns }
    var pairWidth: Int { 2 * tileWidth + Self.panelGap }
    var headerHeight: Int {
        2 * Self.margin + BitmapFont.glyphHeight * Self.titleScale
            + subtitles.count * (Self.lineGap + BitmapFont.glyphHeight * Self.textScale)
    }
    var gridWidth: Int { columns * pairWidth + (columns - 1) * Self.pairGap }
    var width: Int {
        let texts = [BitmapFont.size(of: title, scale: Self.titleScale).width, legendWidth]
            + subtitles.map { BitmapFont.size(of: $0, scale: Self.textScale).width }
        return 2 * Self.margin + max(gridWidth, texts.max() ?? 0)
    }
    var height: Int { headerHeight + Self.margin + rows * (tileHeight + Self.captionHeight) + Self.legendHeight + Self.margin }

    /// Top-left of the FLAIR (`panel` 0) or T1ce (`panel` 1) tile of pair `index`.
    func tileOrigin(pair index: Int, panel: Int) -> (x: Int, y: Int) {
        let (row, column) = index.quotientAndRemainder(dividingBy: columns)
        // The grid is centred when the header or legend make the page wider than it.
        return ((width - gridWidth) / 2 + column * (pairWidth + Self.pairGap) + panel * (tileWidth + Self.panelGap),
                headerHeight + Self.margin + row * (tileHeight + Self.captionHeight))
    }

    func render() -> PNGImage {
        var page = PNGImage(width: width, height: height, fill: Self.pageColor)
        drawHeader(on: &page)
        for (index, pair) in pairs.enumerated() {
            for (panel, (tile, name)) in [(pair.flair, "FLAIR"), (pair.t1ce, "T1ce")].enumerated() {
                let origin = tileOrigin(pair: index, panel: panel)
                page.draw(tile, x: origin.x, y: origin.y)
                page.drawText(name, x: origin.x + 4, y: origin.y + 4, scale: Self.textScale,
                              color: Self.textColor, background: Self.labelBackground)
            }
            let origin = tileOrigin(pair: index, panel: 0)
            let captionWidth = BitmapFont.size(of: pair.caption, scale: Self.textScale).width
            page.drawText(pair.caption, x: origin.x + (pairWidth - captionWidth) / 2, y: origin.y + tileHeight + 8,
                          scale: Self.textScale, color: Self.textColor)
        }
        drawLegend(on: &page)
        return page
    }

    private func drawHeader(on page: inout PNGImage) {
        page.fillRect(x: 0, y: 0, width: width, height: headerHeight, color: Self.headerColor)
        page.drawText(title, x: Self.margin, y: Self.margin, scale: Self.titleScale, color: Self.textColor)
        var y = Self.margin + BitmapFont.glyphHeight * Self.titleScale
        for line in subtitles {
            y += Self.lineGap
            page.drawText(line, x: Self.margin, y: y, scale: Self.textScale, color: Self.textColor)
            y += BitmapFont.glyphHeight * Self.textScale
        }
    }

    private static let legendSpacing = 28

    private var legendWidth: Int {
        TumourClass.allCases.map { Self.swatch + 8 + BitmapFont.size(of: $0.name, scale: Self.textScale).width }
            .reduce(0, +) + (TumourClass.allCases.count - 1) * Self.legendSpacing
    }

    /// Where the legend's first swatch starts; the others follow along the same row.
    var legendOrigin: (x: Int, y: Int) {
        (Self.margin, height - Self.margin - Self.legendHeight + (Self.legendHeight - Self.swatch) / 2)
    }

    /// Grey levels the swatches' halves show the fill over: dark tissue (as on T1ce) and bright
    /// tissue (as on FLAIR), since a translucent fill looks different over each.
    static let swatchGreys: (dark: UInt8, bright: UInt8) = (80, 200)
    /// Width of a swatch's full-colour border, the outline the overlay draws around each region.
    static let swatchBorder = 2

    private func drawLegend(on page: inout PNGImage) {
        var (x, y) = legendOrigin
        let (n, b) = (Self.swatch, Self.swatchBorder)
        for c in TumourClass.allCases {
            // Drawn as the overlay appears: full-colour outline, translucent fill over tissue.
            page.fillRect(x: x, y: y, width: n, height: n, color: c.color)
            for (offset, grey) in [(0, Self.swatchGreys.dark), (n / 2, Self.swatchGreys.bright)] {
                let fill = RGB(grey, grey, grey).blended(with: c.color, alpha: SliceTiles.fillAlpha)
                page.fillRect(x: x + max(offset, b), y: y + b, width: n / 2 - b, height: n - 2 * b, color: fill)
            }
            x += Self.swatch + 8
            page.drawText(c.name, x: x, y: y + 1, scale: Self.textScale, color: Self.textColor)
            x += BitmapFont.size(of: c.name, scale: Self.textScale).width + Self.legendSpacing
        }
    }
}

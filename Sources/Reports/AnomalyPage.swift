/// The GAN module's report page, `report/anomaly.png`: one row per chosen axial slice, four tiles
/// each: the original image (one of the GAN's modalities as the networks see it, preprocessed), the
/// U-Net's mask over it, the pseudo-healthy inpainting (the mask occluded and filled in by the
/// generator) and the anomaly map as a heat map over the original.
public struct AnomalyPageInput: Sendable {
    public var studyID: String
    public var dims: [Int]
    public var spacing: [Double]
    public var orientation: DisplayOrientation
    /// What the title says of the modalities: the shown one, and those the GAN sees (e.g. "FLAIR
    /// (GAN on T1, T1ce, T2, FLAIR)").
    public var modality: String
    /// The input grid's voxels (x fastest): the preprocessed image, the segmentation's labels, the
    /// inpainted image (only `slices` need values) and the anomaly map (0...1).
    public var original: [Float]
    public var labels: [UInt8]
    public var inpainted: [Float]
    public var anomaly: [Float]
    /// What the colour scale calls the map (e.g. "anomaly (1 - D)").
    public var anomalyLabel: String
    /// Axial slices to show, top to bottom.
    public var slices: [Int]
    /// As `ReportInput.storedSlices` (set from the report's when drawn).
    public var storedSlices: StoredSlices = .same

    public init(studyID: String, dims: [Int], spacing: [Double], orientation: DisplayOrientation, modality: String,
                original: [Float], labels: [UInt8], inpainted: [Float], anomaly: [Float], anomalyLabel: String,
                slices: [Int]) {
        self.studyID = studyID
        self.dims = dims
        self.spacing = spacing
        self.orientation = orientation
        self.modality = modality
        self.original = original
        self.labels = labels
        self.inpainted = inpainted
        self.anomaly = anomaly
        self.anomalyLabel = anomalyLabel
        self.slices = slices
    }
}

public enum AnomalyPage {
    static let columns = ["Original", "U-Net mask", "Pseudo-healthy", "Anomaly"]

    /// The heat map colour of an anomaly value in 0...1: black, red, yellow, white.
    static func heat(_ value: Float) -> RGB {
        let v = Double(min(max(value, 0), 1)) * 3
        func channel(_ x: Double) -> UInt8 { UInt8((min(max(x, 0), 1) * 255).rounded()) }
        return RGB(channel(v), channel(v - 1), channel(v - 2))
    }

    /// How a pixel of grey `g` shows with anomaly `value`: the heat colour, as opaque as the value
    /// is high, so normal tissue (low values) stays readable underneath.
    static func overlay(grey g: UInt8, _ value: Float) -> RGB {
        RGB(g, g, g).blended(with: heat(value), alpha: Double(min(max(value, 0), 1)))
    }

    /// Width in pixels of the colour scale under the grid.
    static let scaleWidth = 256

    /// The colour scale's texts, either side of its ramp.
    private static func scaleTexts(_ label: String) -> [String] { ["\(label)   0", "1"] }

    /// The colour scale's width: texts, ramp and the gaps between them.
    private static func scaleTotalWidth(_ label: String) -> Int {
        scaleTexts(label).map { BitmapFont.size(of: $0, scale: Sheet.textScale).width }.reduce(0, +) + scaleWidth + 16
    }

    /// The colour scale: "<label>  0 [ramp over mid-grey] 1", left-aligned at `x`.
    private static func drawScale(_ label: String, on page: inout PNGImage, x: Int, y: Int) {
        let (scale, swatch) = (Sheet.textScale, Sheet.swatch)
        let textY = y + (swatch - BitmapFont.glyphHeight * scale) / 2
        var cursor = x
        for (k, text) in scaleTexts(label).enumerated() {
            page.drawText(text, x: cursor, y: textY, scale: scale, color: Sheet.textColor)
            cursor += BitmapFont.size(of: text, scale: scale).width + 8
            guard k == 0 else { break }
            for i in 0..<scaleWidth {
                page.fillRect(x: cursor + i, y: y, width: 1, height: swatch,
                              color: overlay(grey: 128, Float(i) / Float(scaleWidth - 1)))
            }
            cursor += scaleWidth + 8
        }
    }

    public static func render(_ input: AnomalyPageInput, tileSize: Int = 224) throws(ReportError) -> PNGImage {
        let report = ReportInput(studyID: input.studyID, dims: input.dims, spacing: input.spacing, flair: input.original,
                                 t1ce: input.original, labels: input.labels, orientation: input.orientation)
        try report.validate()
        guard input.inpainted.count == report.voxelCount, input.anomaly.count == report.voxelCount else {
            throw .invalidInput("the inpainted image and the anomaly map must match the grid \(input.dims)")
        }
        let crop = TileGeometry.brainCrop(of: report, margin: PreparedStudy.cropMargin)
        let geometry = TileGeometry(xRange: crop.x, yRange: crop.y, spacing: input.spacing,
                                    orientation: input.orientation, longSide: tileSize)
        let window = IntensityWindow(brainOf: input.original)
        let (nx, ny) = (input.dims[0], input.dims[1])
        let (w, h) = (geometry.width, geometry.height)

        /// A tile of slice `z`: `color(voxel index, grey of the original)` per display pixel (nearest voxel).
        func tile(_ z: Int, _ color: (Int, UInt8) -> RGB) -> PNGImage {
            var image = PNGImage(width: w, height: h)
            for row in 0..<h {
                let y = min(ny - 1, Int(geometry.voxelY(row: row)))
                for column in 0..<w {
                    let i = (z * ny + y) * nx + min(nx - 1, Int(geometry.voxelX(column: column)))
                    let c = color(i, window.grey(input.original[i]))
                    let p = (row * w + column) * 3
                    (image.pixels[p], image.pixels[p + 1], image.pixels[p + 2]) = (c.r, c.g, c.b)
                }
            }
            image.drawOrientationLetters()
            return image
        }

        let (margin, gap, captionHeight, scale) = (Sheet.margin, Sheet.panelGap, Sheet.captionHeight, Sheet.textScale)
        let headerHeight = 2 * margin + BitmapFont.glyphHeight * Sheet.titleScale
        let gridWidth = 4 * w + 3 * gap
        let title = "\(input.studyID)  \(input.modality)"
        let width = 2 * margin + max(gridWidth, BitmapFont.size(of: title, scale: Sheet.titleScale).width,
                                     scaleTotalWidth(input.anomalyLabel))
        // Column names sit in a band above the grid, so that no tile's orientation letters are hidden.
        let labelsHeight = BitmapFont.glyphHeight * scale + margin
        let gridTop = headerHeight + margin + labelsHeight
        let gridBottom = gridTop + max(input.slices.count, 1) * (h + captionHeight)
        let height = gridBottom + Sheet.legendHeight + margin
        var page = PNGImage(width: width, height: height, fill: Sheet.pageColor)
        page.fillRect(x: 0, y: 0, width: width, height: headerHeight, color: Sheet.headerColor)
        page.drawText(title, x: margin, y: margin, scale: Sheet.titleScale, color: Sheet.textColor)
        for (k, name) in columns.enumerated() {
            let centre = (width - gridWidth) / 2 + k * (w + gap) + w / 2
            page.drawText(name, x: centre - BitmapFont.size(of: name, scale: scale).width / 2, y: headerHeight + margin,
                          scale: scale, color: Sheet.textColor)
        }
        for (row, z) in input.slices.enumerated() {
            let tiles = [
                tile(z) { _, g in RGB(g, g, g) },
                tile(z) { i, g in
                    TumourClass(label: input.labels[i]).map { RGB(g, g, g).blended(with: $0.color, alpha: 0.5) } ?? RGB(g, g, g)
                },
                tile(z) { i, _ in let g = window.grey(input.inpainted[i]); return RGB(g, g, g) },
                tile(z) { i, g in overlay(grey: g, input.anomaly[i]) },
            ]
            let y = gridTop + row * (h + captionHeight)
            for (k, image) in tiles.enumerated() {
                page.draw(image, x: (width - gridWidth) / 2 + k * (w + gap), y: y)
            }
            let caption = Sheet.caption(z: z, slices: input.dims[2], storedZ: input.storedSlices.index(of: z, slices: input.dims[2]))
            let captionWidth = BitmapFont.size(of: caption, scale: scale).width
            page.drawText(caption, x: (width - captionWidth) / 2, y: y + h + 8, scale: scale, color: Sheet.textColor)
        }
        drawScale(input.anomalyLabel, on: &page, x: (width - max(gridWidth, scaleTotalWidth(input.anomalyLabel))) / 2, y: gridBottom + (Sheet.legendHeight - Sheet.swatch) / 2)
        return page
    }
}

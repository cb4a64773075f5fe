/// Maps display pixels of an axial tile to voxels: an in-plane crop, the display flips, and a scale that
/// keeps millimetres square on screen whatever the voxel spacing.
struct TileGeometry: Equatable {
    let xRange: Range<Int>
    let yRange: Range<Int>
    let orientation: DisplayOrientation
    let width: Int
    let height: Int
    /// Voxels per display pixel along x and y.
    let stepX: Double
    let stepY: Double

    /// Fits the crop into `longSide` pixels along its longer physical side.
    init(xRange: Range<Int>, yRange: Range<Int>, spacing: [Double], orientation: DisplayOrientation, longSide: Int) {
        let mmWide = Double(xRange.count) * spacing[0], mmHigh = Double(yRange.count) * spacing[1]
        let mmPerPixel = max(mmWide, mmHigh) / Double(longSide)
        self.xRange = xRange
        self.yRange = yRange
        self.orientation = orientation
        width = max(1, Int((mmWide / mmPerPixel).rounded()))
        height = max(1, Int((mmHigh / mmPerPixel).rounded()))
        stepX = Double(xRange.count) / Double(width)
        stepY = Double(yRange.count) / Double(height)
    }

    /// The brain's in-plane bounding box over all slices plus `margin` voxels, so the brain fills the tiles;
    /// the whole plane when nothing is above 0.
    static func brainCrop(of input: ReportInput, margin: Int) -> (x: Range<Int>, y: Range<Int>) {
        let (nx, ny) = (input.dims[0], input.dims[1])
        func isBrain(_ i: Int) -> Bool { input.flair[i] > 0 || input.t1ce[i] > 0 || input.labels[i] > 0 }
        var (x0, x1, y0, y1) = (nx, -1, ny, -1)
        for z in 0..<input.dims[2] {
            for y in 0..<ny {
                // Only a row's ends matter: scan in from the left, and from the right down to that.
                let start = (z * ny + y) * nx
                guard let first = (0..<nx).first(where: { isBrain(start + $0) }) else { continue }
                let last = (first..<nx).last { isBrain(start + $0) }!
                (x0, x1, y0, y1) = (min(x0, first), max(x1, last), min(y0, y), max(y1, y))
            }
        }
        guard x1 >= 0 else { return (0..<nx, 0..<ny) }
        return (max(0, x0 - margin)..<min(nx, x1 + margin + 1), max(0, y0 - margin)..<min(ny, y1 + margin + 1))
    }

    /// Continuous voxel x (voxel i spans [i, i+1)) at the centre of display column `column`.
    func voxelX(column: Int) -> Double {
        let u = (Double(column) + 0.5) * stepX
        return Double(xRange.lowerBound) + (orientation.flipX ? Double(xRange.count) - u : u)
    }

    /// Continuous voxel y at the centre of display row `row`.
    func voxelY(row: Int) -> Double {
        let v = (Double(row) + 0.5) * stepY
        return Double(yRange.lowerBound) + (orientation.flipY ? Double(yRange.count) - v : v)
    }

    /// The display pixel containing the centre of voxel (`x`, `y`).
    func pixel(voxelX x: Int, voxelY y: Int) -> (column: Int, row: Int) {
        let u = Double(x - xRange.lowerBound) + 0.5, v = Double(y - yRange.lowerBound) + 0.5
        let du = orientation.flipX ? Double(xRange.count) - u : u
        let dv = orientation.flipY ? Double(yRange.count) - v : v
        return (Int(du / stepX), Int(dv / stepY))
    }
}

extension PNGImage {
    /// Marks the patient's directions on an axial tile shown in the radiological convention, as
    /// every report tile is: R on the left edge, L on the right, A at the top and P at the bottom.
    mutating func drawOrientationLetters(scale: Int = Sheet.textScale) {
        let letter = BitmapFont.size(of: "R", scale: scale)
        let inset = 2 * scale
        let (centreX, centreY) = ((width - letter.width) / 2, (height - letter.height) / 2)
        for (text, x, y) in [("A", centreX, inset), ("P", centreX, height - letter.height - inset),
                             ("R", inset, centreY), ("L", width - letter.width - inset, centreY)] {
            drawText(text, x: x, y: y, scale: scale, color: Sheet.textColor, background: Sheet.labelBackground)
        }
    }
}

/// Renders axial slices as greyscale tiles with the tumour label overlay: a semi-transparent fill per
/// class plus a full-colour outline on each region's boundary, so the anatomy under the fill stays visible.
struct SliceTiles {
    let input: ReportInput
    let geometry: TileGeometry
    let windows: (flair: IntensityWindow, t1ce: IntensityWindow)
    /// Bilinear taps of each display column along voxel x, and of each display row along voxel y.
    private let columnTaps: [BilinearTap]
    private let rowTaps: [BilinearTap]
    /// Fill colour of each class over each grey level, indexed `class.rawValue * 256 + grey`.
    private let fills: [RGB]

    /// Opacity of the class fill.
    static let fillAlpha = 0.35

    init(input: ReportInput, geometry: TileGeometry, windows: (flair: IntensityWindow, t1ce: IntensityWindow)) {
        self.input = input
        self.geometry = geometry
        self.windows = windows
        columnTaps = (0..<geometry.width).map { BilinearTap(at: geometry.voxelX(column: $0), count: input.dims[0]) }
        rowTaps = (0..<geometry.height).map { BilinearTap(at: geometry.voxelY(row: $0), count: input.dims[1]) }
        fills = TumourClass.allCases.flatMap { c in
            (0...255).map { RGB(UInt8($0), UInt8($0), UInt8($0)).blended(with: c.color, alpha: Self.fillAlpha) }
        }
    }

    /// FLAIR and T1ce tiles of slice `z`.
    func render(z: Int) -> (flair: PNGImage, t1ce: PNGImage) {
        let covers = overlay(classMap(z: z))
        return (tile(input.flair, windows.flair, z: z, overlay: covers),
                tile(input.t1ce, windows.t1ce, z: z, overlay: covers))
    }

    /// Tumour class per display pixel, nearest voxel (labels must not be interpolated).
    func classMap(z: Int) -> [TumourClass?] {
        let (nx, ny) = (input.dims[0], input.dims[1])
        let xs = (0..<geometry.width).map { min(nx - 1, Int(geometry.voxelX(column: $0))) }
        var map = [TumourClass?](repeating: nil, count: geometry.width * geometry.height)
        for row in 0..<geometry.height {
            let base = (z * ny + min(ny - 1, Int(geometry.voxelY(row: row)))) * nx
            for column in 0..<geometry.width { map[row * geometry.width + column] = TumourClass(label: input.labels[base + xs[column]]) }
        }
        return map
    }

    /// How the label overlay covers one display pixel.
    private enum Cover {
        case none
        /// Inside a region: the class colour blended over the grey.
        case fill(TumourClass)
        /// On a region's boundary: the class colour itself.
        case outline(TumourClass)
    }

    /// The overlay of each pixel of a class map; both modalities' tiles share it.
    private func overlay(_ classes: [TumourClass?]) -> [Cover] {
        let (w, h) = (geometry.width, geometry.height)
        return classes.withUnsafeBufferPointer { classes in
            (0..<w * h).map { i in
                guard let c = classes[i] else { return .none }
                let (column, row) = (i % w, i / w)
                // Outline where a 4-neighbour has another class (or none); the tile edge counts as outside.
                func differs(_ x: Int, _ y: Int) -> Bool { x < 0 || y < 0 || x >= w || y >= h || classes[y * w + x] != c }
                let onEdge = differs(column - 1, row) || differs(column + 1, row) || differs(column, row - 1) || differs(column, row + 1)
                return onEdge ? .outline(c) : .fill(c)
            }
        }
    }

    /// One modality's tile of slice `z`: bilinear greyscale under the overlay.
    private func tile(_ volume: [Float], _ window: IntensityWindow, z: Int, overlay: [Cover]) -> PNGImage {
        let (nx, ny) = (input.dims[0], input.dims[1])
        let w = geometry.width
        var pixels = [UInt8](repeating: 0, count: w * geometry.height * 3)
        volume.withUnsafeBufferPointer { volume in
            pixels.withUnsafeMutableBufferPointer { pixels in
                for (row, y) in rowTaps.enumerated() {
                    let (first, second) = ((z * ny + y.lower) * nx, (z * ny + y.upper) * nx)
                    for (column, x) in columnTaps.enumerated() {
                        let value = y.blend(x.blend(volume, lineStart: first), x.blend(volume, lineStart: second))
                        let grey = window.grey(value)
                        let color: RGB = switch overlay[row * w + column] {
                        case .none: RGB(grey, grey, grey)
                        case .fill(let c): fills[c.rawValue * 256 + Int(grey)]
                        case .outline(let c): c.color
                        }
                        let i = (row * w + column) * 3
                        (pixels[i], pixels[i + 1], pixels[i + 2]) = (color.r, color.g, color.b)
                    }
                }
            }
        }
        var image = PNGImage(width: w, height: geometry.height, pixels: pixels)
        image.drawOrientationLetters()
        return image
    }
}

/// Where linear interpolation along one voxel axis reads for one display pixel: the two neighbouring voxel
/// centres around a continuous coordinate (voxel i spans [i, i+1)), clamped to the grid, and the weight of the
/// second.
private struct BilinearTap {
    let lower: Int
    let upper: Int
    let weight: Float

    init(at coordinate: Double, count: Int) {
        let f = min(max(coordinate - 0.5, 0), Double(count - 1))
        lower = Int(f)
        upper = min(lower + 1, count - 1)
        weight = Float(f - Double(lower))
    }

    /// The interpolated value along the line of voxels that starts at index `lineStart` of `values`.
    func blend(_ values: UnsafeBufferPointer<Float>, lineStart: Int) -> Float {
        blend(values[lineStart + lower], values[lineStart + upper])
    }

    /// `a` and `b`, the values at `lower` and `upper`, mixed by `weight`.
    func blend(_ a: Float, _ b: Float) -> Float { a * (1 - weight) + b * weight }
}

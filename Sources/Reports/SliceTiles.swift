/// Renders axial slices as greyscale tiles with the tumour label overlay: a semi-transparent fill per
/// class plus a full-colour outline on each region's boundary, so the anatomy under the fill stays visible.
struct SliceTiles {
    let input: ReportInput
    let geometry: TileGeometry
    let windows: (flair: IntensityWindow, t1ce: IntensityWindow)

    /// Opacity of the class fill.
    static let fillAlpha = 0.35

    /// FLAIR and T1ce tiles of slice `z`.
    func render(z: Int) -> (flair: PNGImage, t1ce: PNGImage) {
        let classes = classMap(z: z)
        return (tile(input.flair, windows.flair, z: z, classes: classes),
                tile(input.t1ce, windows.t1ce, z: z, classes: classes))
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

    private func tile(_ volume: [Float], _ window: IntensityWindow, z: Int, classes: [TumourClass?]) -> PNGImage {
        let (w, h) = (geometry.width, geometry.height)
        var image = PNGImage(width: w, height: h)
        for row in 0..<h {
            for column in 0..<w {
                let grey = window.grey(sample(volume, x: geometry.voxelX(column: column), y: geometry.voxelY(row: row), z: z))
                var color = RGB(grey, grey, grey)
                if let c = classes[row * w + column] {
                    // Outline where a 4-neighbour has another class (or none); the tile edge counts as outside.
                    func differs(_ x: Int, _ y: Int) -> Bool { x < 0 || y < 0 || x >= w || y >= h || classes[y * w + x] != c }
                    let onEdge = differs(column - 1, row) || differs(column + 1, row) || differs(column, row - 1) || differs(column, row + 1)
                    color = onEdge ? c.color : color.blended(with: c.color, alpha: Self.fillAlpha)
                }
                image[column, row] = color
            }
        }
        return image
    }

    /// Bilinear interpolation in slice `z` at continuous voxel coordinates (voxel i spans [i, i+1)).
    private func sample(_ volume: [Float], x: Double, y: Double, z: Int) -> Float {
        let (nx, ny) = (input.dims[0], input.dims[1])
        let fx = min(max(x - 0.5, 0), Double(nx - 1)), fy = min(max(y - 0.5, 0), Double(ny - 1))
        let x0 = Int(fx), y0 = Int(fy)
        let x1 = min(x0 + 1, nx - 1), y1 = min(y0 + 1, ny - 1)
        let tx = Float(fx - Double(x0)), ty = Float(fy - Double(y0))
        let base = z * nx * ny
        func at(_ x: Int, _ y: Int) -> Float { volume[base + y * nx + x] }
        let top = at(x0, y0) * (1 - tx) + at(x1, y0) * tx
        let bottom = at(x0, y1) * (1 - tx) + at(x1, y1) * tx
        return top * (1 - ty) + bottom * ty
    }
}

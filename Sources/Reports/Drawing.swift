/// Primitive raster operations the report layouts are built from; all clip to the image.
extension PNGImage {
    /// Fills the rectangle at (`x`, `y`) of the given size with `color`.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB) {
        let x0 = max(0, x), x1 = min(width, x + w)
        let y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        let rowStride = width * 3
        pixels.withUnsafeMutableBufferPointer { pixels in
            for row in y0..<y1 {
                for i in stride(from: row * rowStride + x0 * 3, to: row * rowStride + x1 * 3, by: 3) {
                    (pixels[i], pixels[i + 1], pixels[i + 2]) = (color.r, color.g, color.b)
                }
            }
        }
    }

    /// Copies `image` so that its top-left pixel lands at (`x`, `y`).
    public mutating func draw(_ image: PNGImage, x: Int, y: Int) {
        let x0 = max(0, x), x1 = min(width, x + image.width)
        let y0 = max(0, y), y1 = min(height, y + image.height)
        guard x0 < x1, y0 < y1 else { return }
        for row in y0..<y1 {
            let src = ((row - y) * image.width + (x0 - x)) * 3
            let dst = (row * width + x0) * 3
            pixels.replaceSubrange(dst..<dst + (x1 - x0) * 3, with: image.pixels[src..<src + (x1 - x0) * 3])
        }
    }
}

import CPNG
import FoundationEssentials
import Glibc
import Platform

/// An 8-bit RGB colour.
public struct RGB: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `self` covered by `top` with opacity `alpha` (0...1).
    func blended(with top: RGB, alpha: Double) -> RGB {
        func mix(_ a: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(a) * (1 - alpha) + Double(b) * alpha).rounded())
        }
        return RGB(mix(r, top.r), mix(g, top.g), mix(b, top.b))
    }
}

/// Why a PNG could not be encoded, decoded or written; carries libpng's own message where it has one.
public enum PNGError: CategorizedError, Equatable {
    public var category: FailureCategory {
        if case .writeFailed(_, let code) = self { return .ofOutputWrite(errno: code) }
        return .internal
    }

    public var stage: String { "report" }

    case encodeFailed(String)
    case decodeFailed(String)
    case tooLarge(width: Int, height: Int)
    /// `code`: the errno of the call that failed.
    case writeFailed(path: String, code: Int32)

    public var description: String {
        switch self {
        case .encodeFailed(let m): "PNG encode failed: \(m)"
        case .decodeFailed(let m): "PNG decode failed: \(m)"
        case .tooLarge(let w, let h): "PNG of \(w)x\(h) pixels is too large"
        case .writeFailed(let path, let code): "cannot write \(path): \(String(cString: strerror(code)))"
        }
    }
}

/// An RGB8 raster image: row-major, top row first, 3 bytes per pixel.
public struct PNGImage: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// `width * height * 3` bytes, R G B per pixel.
    public var pixels: [UInt8]

    /// Caps decoded images so garbage headers cannot ask for gigabytes.
    static let maxPixels = 1 << 26

    /// A `width` x `height` image filled with `fill`.
    public init(width: Int, height: Int, fill: RGB = RGB(0, 0, 0)) {
        precondition(width > 0 && height > 0, "image must be non-empty")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        if fill != RGB(0, 0, 0) { fillRect(x: 0, y: 0, width: width, height: height, color: fill) }
    }

    /// An image over existing RGB8 bytes (`pixels.count` must be `width * height * 3`).
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0 && pixels.count == width * height * 3, "pixel count mismatch")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The colour at column `x`, row `y` (0, 0 is the top-left).
    public subscript(x: Int, y: Int) -> RGB {
        get {
            let i = (y * width + x) * 3
            return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            let i = (y * width + x) * 3
            pixels[i] = newValue.r
            pixels[i + 1] = newValue.g
            pixels[i + 2] = newValue.b
        }
    }

    /// The image as a PNG byte stream (libpng simplified API).
    ///
    /// Encoded for speed with `PNG_IMAGE_FLAG_FAST` (no row filters, zlib level 3): several times faster than
    /// libpng's default for files about a fifth larger, with the same pixels. One compression pass, into a
    /// scratch buffer of libpng's worst-case size, rather than a sizing pass and a writing pass.
    public func encodePNG() throws(PNGError) -> [UInt8] {
        var image = Self.pngImage(width: width, height: height)
        image.flags = UInt32(PNG_IMAGE_FLAG_FAST)
        defer { png_image_free(&image) }
        var size = cpng_image_png_size_max(image)
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(size), alignment: 1)
        defer { scratch.deallocate() }
        let written = pixels.withUnsafeBytes {
            png_image_write_to_memory(&image, scratch.baseAddress, &size, 0, $0.baseAddress, Int32(width * 3), nil)
        }
        guard written != 0 else { throw .encodeFailed(Self.message(of: image)) }
        return Array(scratch.prefix(Int(size)))
    }

    /// Decodes any PNG libpng accepts into RGB8 (alpha is composited onto black).
    public static func decode(_ bytes: [UInt8]) throws(PNGError) -> PNGImage {
        var image = pngImage(width: 0, height: 0)
        defer { png_image_free(&image) }
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else { throw .decodeFailed(message(of: image)) }
        let width = Int(image.width), height = Int(image.height)
        guard width * height <= maxPixels else { throw .tooLarge(width: width, height: height) }
        image.format = UInt32(PNG_FORMAT_RGB)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * 3), nil)
        }
        guard finished != 0 else { throw .decodeFailed(message(of: image)) }
        return PNGImage(width: width, height: height, pixels: pixels)
    }

    /// Writes the PNG to `path` atomically: a temporary file in the same folder, then rename.
    public func write(to path: String) throws(PNGError) {
        let bytes = try encodePNG()
        do { try FileSystem.writeAtomically(bytes, to: path) } catch {
            throw .writeFailed(path: path, code: error.code)
        }
    }

    private static func pngImage(width: Int, height: Int) -> png_image {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = UInt32(PNG_FORMAT_RGB)
        return image
    }

    /// libpng's NUL-terminated `message` field.
    private static func message(of image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "unknown libpng error" : text
        }
    }
}

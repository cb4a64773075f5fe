import FoundationEssentials
import Glibc
import Testing
@testable import Reports

@Suite struct PNGImageTests {
    @Test func encodeDecodeRoundTripIsExact() throws {
        var image = PNGImage(width: 7, height: 5)
        for y in 0..<5 { for x in 0..<7 { image[x, y] = RGB(UInt8(x * 36), UInt8(y * 60), UInt8((x * y * 13) % 256)) } }
        let bytes = try image.encodePNG()
        #expect(Array(bytes.prefix(4)) == [0x89, 0x50, 0x4E, 0x47])
        #expect(try PNGImage.decode(bytes) == image)
    }

    @Test func decodeRejectsGarbageWithLibpngMessage() {
        #expect {
            try PNGImage.decode(Array("definitely not a PNG file".utf8))
        } throws: { error in
            guard case PNGError.decodeFailed(let message) = error else { return false }
            return !message.isEmpty
        }
    }

    @Test func writeReplacesAtomicallyAndLeavesNoTemporaryFile() throws {
        let folder = FileManager.default.temporaryDirectory.path + "/reports-png-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/a.png"
        try PNGImage(width: 3, height: 2, fill: RGB(1, 2, 3)).write(to: path)
        try PNGImage(width: 4, height: 4, fill: RGB(9, 8, 7)).write(to: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(try PNGImage.decode(bytes) == PNGImage(width: 4, height: 4, fill: RGB(9, 8, 7)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["a.png"])
    }

    @Test func writeIntoMissingFolderFails() {
        #expect(throws: PNGError.writeFailed(path: "/nonexistent-dir/x.png", code: ENOENT)) {
            try PNGImage(width: 1, height: 1).write(to: "/nonexistent-dir/x.png")
        }
    }

    @Test func fontDrawsGlyphsAndNothingForSpace() {
        var a = PNGImage(width: 20, height: 20)
        a.drawText("A", x: 2, y: 2, scale: 2)
        #expect(a.pixels.contains { $0 != 0 })
        var space = PNGImage(width: 20, height: 20)
        space.drawText(" ", x: 2, y: 2, scale: 2)
        #expect(space.pixels.allSatisfy { $0 == 0 })
    }

    @Test func textBackgroundBoxCoversTheText() {
        var image = PNGImage(width: 40, height: 30)
        image.drawText("Hi", x: 4, y: 4, scale: 1, color: RGB(255, 255, 255), background: RGB(0, 0, 200))
        #expect(image[3, 3] == RGB(0, 0, 200))
        #expect(image[4, 4] == RGB(255, 255, 255))  // H's top-left stroke
        #expect(image[30, 20] == RGB(0, 0, 0))
    }
}

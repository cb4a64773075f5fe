/// Study ids name output files and folders, so only safe names pass.
public enum StudyID {
    public static let maxLength = 128

    /// Throws `StudyError.invalidStudyID` unless `name` is safe as a single path component.
    public static func validate(_ name: String) throws {
        func reject(_ reason: String) throws -> Never { throw StudyError.invalidStudyID(name: name, reason: reason) }
        if name.isEmpty { try reject("empty") }
        if name.utf8.count > maxLength { try reject("longer than \(maxLength) bytes") }
        if name.hasPrefix(".") { try reject("starts with a dot") }
        if name.contains("/") { try reject("contains '/'") }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            try reject("contains control characters")
        }
        if let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy(\.isASCIIDigit),
           name.index(after: dot) != name.endIndex {
            try reject("ends in .\(name[name.index(after: dot)...]), a form the outbox reserves for a repeated id "
                       + "(<id>.1, <id>.2, ...); rename it, e.g. with _ for the dot")
        }
    }
}

extension String {
    /// The longest prefix of whole characters that fits in `maxBytes` bytes of UTF-8.
    public func prefix(utf8Bytes maxBytes: Int) -> String {
        var bytes = 0
        var end = startIndex
        for index in indices {
            let next = self.index(after: index)
            bytes += self[index..<next].utf8.count
            if bytes > maxBytes { break }
            end = next
        }
        return String(self[..<end])
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

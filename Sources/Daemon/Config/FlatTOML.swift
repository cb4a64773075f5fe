/// A strict reader for the subset of TOML the daemon's config uses: `key = value` lines with bare
/// keys, basic or literal strings, integers, floats and booleans, and `#` comments. Tables, arrays,
/// dates and multi-line strings are rejected with the line number rather than half-understood.
enum FlatTOML {
    enum Value: Equatable {
        case string(String)
        case integer(Int)
        case float(Double)
        case bool(Bool)

        var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a float"
            case .bool: "a boolean"
            }
        }
    }

    struct Entry: Equatable {
        var key: String
        var value: Value
        var line: Int
    }

    /// The entries in file order, and one problem per line that could not be read.
    static func parse(_ text: String) -> (entries: [Entry], problems: [ConfigProblem]) {
        var entries: [Entry] = []
        var problems: [ConfigProblem] = []
        var seen: [String: Int] = [:]
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = index + 1
            var scanner = Scanner(Substring(raw.hasSuffix("\r") ? raw.dropLast() : raw))
            scanner.skipSpaces()
            if scanner.atEndOrComment { continue }
            do {
                let key = try scanner.bareKey()
                scanner.skipSpaces()
                guard scanner.take("=") else { throw Failure("expected '=' after key '\(key)'") }
                scanner.skipSpaces()
                let value = try scanner.value()
                scanner.skipSpaces()
                guard scanner.atEndOrComment else { throw Failure("unexpected text after the value of '\(key)'") }
                if let first = seen[key] {
                    throw Failure("key '\(key)' is set twice (first on line \(first))")
                }
                seen[key] = line
                entries.append(Entry(key: key, value: value, line: line))
            } catch let failure as Failure {
                problems.append(ConfigProblem(line: line, failure.message))
            } catch {
                preconditionFailure("Scanner throws Failure only")
            }
        }
        return (entries, problems)
    }

    private struct Failure: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }

    private struct Scanner {
        var rest: Substring
        init(_ text: Substring) { rest = text }

        var atEndOrComment: Bool { rest.isEmpty || rest.first == "#" }

        mutating func skipSpaces() { rest = rest.drop { $0 == " " || $0 == "\t" } }

        mutating func take(_ character: Character) -> Bool {
            guard rest.first == character else { return false }
            rest.removeFirst()
            return true
        }

        mutating func bareKey() throws -> String {
            if rest.first == "[" { throw Failure("tables are not supported: every key sits at the top level") }
            if rest.first == "\"" || rest.first == "'" { throw Failure("quoted keys are not supported") }
            let key = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            guard !key.isEmpty else { throw Failure("expected a key") }
            rest = rest.dropFirst(key.count)
            if rest.first == "." { throw Failure("dotted keys are not supported") }
            return String(key)
        }

        mutating func value() throws -> Value {
            switch rest.first {
            case "\"":
                if rest.hasPrefix("\"\"\"") { throw Failure("multi-line strings are not supported") }
                return .string(try basicString())
            case "'":
                if rest.hasPrefix("'''") { throw Failure("multi-line strings are not supported") }
                rest.removeFirst()
                guard let end = rest.firstIndex(of: "'") else { throw Failure("unterminated string") }
                defer { rest = rest[rest.index(after: end)...] }
                return .string(String(rest[..<end]))
            case "[": throw Failure("arrays are not supported")
            case "{": throw Failure("inline tables are not supported")
            case nil: throw Failure("missing value")
            default:
                let token = String(rest.prefix { !" \t#".contains($0) })
                rest = rest.dropFirst(token.count)
                return try scalar(token)
            }
        }

        private mutating func basicString() throws -> String {
            rest.removeFirst()
            var result = ""
            while let c = rest.popFirst() {
                switch c {
                case "\"": return result
                case "\\":
                    switch rest.popFirst() {
                    case "\"": result.append("\"")
                    case "\\": result.append("\\")
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    case let other: throw Failure("unsupported escape \\\(other.map(String.init) ?? "")")
                    }
                default:
                    guard c.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
                        throw Failure("control character in string")
                    }
                    result.append(c)
                }
            }
            throw Failure("unterminated string")
        }

        private func scalar(_ token: String) throws -> Value {
            switch token {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: break
            }
            let digits = token.replacingUnderscoresBetweenDigits()
            if let digits, let n = Int(digits), !digits.hasPrefix("+0"), digits.count == 1 || !digits.hasPrefix("0") {
                return .integer(n)
            }
            if let digits, digits.contains(where: { ".eE".contains($0) }), let x = Double(digits), x.isFinite,
               digits.first!.isNumber || "+-".contains(digits.first!) {
                return .float(x)
            }
            throw Failure("cannot read value '\(token)' (strings need quotes)")
        }
    }
}

private extension String {
    /// TOML allows `1_000`; underscores must sit between digits. Nil when one does not.
    func replacingUnderscoresBetweenDigits() -> String? {
        let chars = Array(self)
        for (i, c) in chars.enumerated() where c == "_" {
            guard i > 0, i + 1 < chars.count, chars[i - 1].isNumber, chars[i + 1].isNumber else { return nil }
        }
        return filter { $0 != "_" }
    }
}

import ArgumentParser
import Glibc
import Platform

/// Runs a command body and turns its errors into one line on stderr and the exit status of their
/// `FailureCategory`: 65 bad input (the user can fix it), 74 output not writable, 75 a temporary
/// condition (try again), 70 anything else.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        fail(error, code: FailureCategory(of: error).exitCode)
    }
}

/// A problem with what the user asked for that has no more specific error type.
struct InputError: CategorizedError {
    var description: String
    var category: FailureCategory { .badInput }
    var stage: String { "arguments" }
    init(_ description: String) { self.description = description }
}

private func fail(_ error: Error, code: Int32) -> Never {
    printError(error)
    exit(code)
}

/// Writes `error` to stderr as the one line every command uses.
func printError(_ error: Error) {
    let message = (error as? CustomStringConvertible)?.description ?? "\(error)"
    FileHandleStderr.write("ganet-seg: error: \(message.replacingNewlines())\n")
}

enum FileHandleStderr {
    static func write(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(STDERR_FILENO, $0.baseAddress! + offset, $0.count - offset) }
            if n <= 0 { return }
            offset += n
        }
    }
}

extension String {
    func replacingNewlines() -> String {
        split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

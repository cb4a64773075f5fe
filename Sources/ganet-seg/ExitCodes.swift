import ArgumentParser
import Glibc
import Metrics
import Networks
import Phantoms
import Pipeline
import Reports
import Volumes

/// Runs a command body and turns its errors into one line on stderr and a distinct exit status:
/// 65 for bad input (the user can fix it), 74 for unwritable output, 70 for anything else.
func reportingErrors<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as ExitCode {
        throw error
    } catch let error as VolumeError {
        if case .writeFailed = error { fail(error, code: 74) }
        fail(error, code: 65)
    } catch let error as StudyError {
        fail(error, code: 65)
    } catch let error as PreprocessingError {
        fail(error, code: 65)
    } catch let error as MetricsError {
        fail(error, code: 65)
    } catch let error as SafeTensors.Error {
        fail(error, code: 65)
    } catch let error as WeightsError {
        fail(error, code: 65)
    } catch let error as ReportError {
        fail(error, code: 74)
    } catch let error as InputError {
        fail(error, code: 65)
    } catch let error as ModelFileError {
        fail(error, code: 65)
    } catch {
        fail(error, code: 70)
    }
}

/// A problem with what the user asked for that has no more specific error type.
struct InputError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private func fail(_ error: Error, code: Int32) -> Never {
    let message = (error as? CustomStringConvertible)?.description ?? "\(error)"
    FileHandleStderr.write("ganet-seg: error: \(message.replacingNewlines())\n")
    exit(code)
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

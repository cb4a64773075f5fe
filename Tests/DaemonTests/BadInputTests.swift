import Foundation
import Glibc
import CLinux
import Pipeline
import Platform
import Reports
import Testing
@testable import Daemon

/// Every kind of bad study ends in failed/<id>/ with a precise error.json and its inputs untouched.
@Suite struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var stage: String
        var reason: String
        /// Expected in the detail text.
        var detail: String
        var damage: @Sendable (String) throws -> Void
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "missing modality", stage: "validate", reason: "missingModality", detail: "missing FLAIR") {
            try FileManager.default.removeItem(atPath: $0 + "/Bad_flair.nii.gz")
        },
        Case(name: "symlink pointing outside", stage: "validate", reason: "unsafeEntry", detail: "symbolic link") {
            try FileManager.default.removeItem(atPath: $0 + "/Bad_t1.nii.gz")
            try FileManager.default.createSymbolicLink(atPath: $0 + "/Bad_t1.nii.gz", withDestinationPath: "/etc/passwd")
        },
        Case(name: "FIFO", stage: "validate", reason: "unsafeEntry", detail: "FIFO") {
            #expect(mkfifo($0 + "/pipe", 0o600) == 0)
        },
        Case(name: "empty folder", stage: "validate", reason: "missingModality", detail: "missing T1") {
            for file in try FileManager.default.contentsOfDirectory(atPath: $0) {
                try FileManager.default.removeItem(atPath: $0 + "/" + file)
            }
        },
        Case(name: "not NIfTI", stage: "read", reason: "unreadableVolume", detail: "Bad_t2.nii.gz") {
            try Data(repeating: 0x41, count: 1000).write(to: URL(fileURLWithPath: $0 + "/Bad_t2.nii.gz"))
        },
        Case(name: "mismatched grid", stage: "validate", reason: "mismatchedGrid", detail: "dims") {
            try FileManager.default.removeItem(atPath: $0 + "/Bad_t1ce.nii.gz")
            let other = try writeStudy(in: $0 + "/.other", id: "Bad", dims: [8, 8, 5])
            try FileManager.default.moveItem(atPath: other + "/Bad_t1ce.nii.gz", toPath: $0 + "/Bad_t1ce.nii.gz")
            try FileManager.default.removeItem(atPath: $0 + "/.other")
        },
        Case(name: "truncated gzip", stage: "read", reason: "unreadableVolume", detail: "Bad_flair.nii.gz") {
            let path = $0 + "/Bad_flair.nii.gz"
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.prefix(data.count - 20).write(to: URL(fileURLWithPath: path))
        },
    ]

    @Test(arguments: cases) func badStudyEndsInFailed(_ badCase: Case) throws {
        let fixture = try SpoolFixture("bad")
        let folder = try writeStudy(in: fixture.staging, id: "Bad")
        try badCase.damage(folder)
        let before = try snapshot(folder)
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        defer { daemon.stop() }
        try fixture.moveIn("Bad")
        #expect(eventually { fixture.list("failed") == ["Bad"] })
        let report = try fixture.errorReport("Bad")
        #expect(report["stage"] as? String == badCase.stage)
        #expect(report["reason"] as? String == badCase.reason)
        #expect((report["detail"] as? String)?.contains(badCase.detail) == true, "\(report["detail"] ?? "")")
        #expect(report["study_id"] as? String == "Bad")
        #expect(report["software"] as? String == "ganet-seg test")
        #expect(report["transient"] as? Bool == false)
        #expect(try snapshot(fixture.root + "/failed/Bad").filter { $0.key != "error.json" } == before)
        #expect(fixture.list("outbox").isEmpty && fixture.list("work").isEmpty)
    }

    @Test func invalidStudyIDLandsUnderASafeName() throws {
        let fixture = try SpoolFixture("bad")
        try writeStudy(in: fixture.staging, id: "Bad")
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        defer { daemon.stop() }
        #expect(rename(fixture.staging + "/Bad", fixture.config.inbox + "/Bad\u{7}id") == 0)
        #expect(eventually { fixture.list("failed") == ["Bad_id"] })
        let report = try fixture.errorReport("Bad_id")
        #expect(report["reason"] as? String == "invalidStudyID")
    }

    @Test func studyOverTheSizeCapIsRejectedUnread() throws {
        var fixture = try SpoolFixture("bad")
        fixture.config.maxStudyBytes = 100
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        try fixture.drop("Huge")
        #expect(eventually { fixture.list("failed") == ["Huge"] })
        #expect(try fixture.errorReport("Huge")["reason"] as? String == "tooLarge")
        #expect(processor.totalCalls == 0)
    }

    /// Each entry's kind and, for regular files, contents.
    private func snapshot(_ folder: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            let path = folder + "/" + name
            var st = stat()
            lstat(path, &st)
            switch st.st_mode & S_IFMT {
            case S_IFREG: result[name] = try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString()
            case S_IFLNK: result[name] = "link " + (try FileManager.default.destinationOfSymbolicLink(atPath: path))
            default: result[name] = "mode \(st.st_mode & S_IFMT)"
            }
        }
        return result
    }
}

/// Output failures are never the study's fault: the daemon tries again rather than failing it.
@Suite struct OutputFailureTests {
    @Test func outputFailuresAreRetriedWhateverTheirErrno() {
        let full = FailureClassification(ReportError.png(.writeFailed(path: "/out/p.png", code: ENOSPC)), defaultStage: "process")
        #expect(full.stage == "report" && full.category == .outputNotWritable && full.isRetryable)
        #expect(full.detail == "cannot write /out/p.png: No space left on device" && full.reason == "png")
        let denied = FailureClassification(ReportError.png(.writeFailed(path: "/out/p.png", code: EACCES)), defaultStage: "process")
        #expect(denied.category == .outputNotWritable && denied.isRetryable)
        let quota = FailureClassification(ReportError.folderFailed(path: "/out/report", code: EDQUOT), defaultStage: "process")
        #expect(quota.category == .outputNotWritable && quota.isRetryable)
        let memory = FailureClassification(SystemError("write", "/out/metrics.json", code: ENOMEM), defaultStage: "process")
        #expect(memory.category == .transient && memory.stage == "write" && memory.reason == "ENOMEM")
    }

    @Test func badInputIsNotRetried() {
        let missing = FailureClassification(StudyError.missingModality(.flair, folder: "/in/s"), defaultStage: "process")
        #expect(missing.category == .badInput && !missing.isRetryable && missing.stage == "validate")
        let unknown = FailureClassification(UncategorizedError(), defaultStage: "process")
        #expect(unknown.category == .internal && !unknown.isRetryable && unknown.stage == "process")
    }

    @Test func metricsJSONReportsTheRealErrno() {
        #expect(throws: SystemError("write", "/nonexistent-dir/.metrics.json.tmp-\(getpid())", code: ENOENT)) {
            try writeJSON(["a": 1], to: "/nonexistent-dir/metrics.json")
        }
    }

    @Test func aShortWriteOnAFullDeviceIsENOSPC() {
        #expect(clinux_write_file("/dev/full", [1, 2, 3], 3, 0, 0) == -1 && errno == ENOSPC)
    }
}

/// An error of a type that does not adopt `CategorizedError`.
private struct UncategorizedError: Error {}

import Foundation
import Glibc
import Pipeline
import Platform
import Testing
import Volumes
@testable import Daemon

/// Defects a fault-injection campaign found in the spool and the service, each pinned by a test.
@Suite struct ReliabilityTests {
    /// A record's staging name must not be another study's record: staging `.attempts-Q` as
    /// `.attempts-Q.new` destroyed the record of a study named `Q.new`.
    @Test func recordsOfStudiesWhoseIdsExtendEachOtherStayApart() throws {
        let fixture = try SpoolFixture()
        let spool = Spool(fixture.config)
        for id in ["Q.new", "Q"] { _ = try writeStudy(in: fixture.config.work, id: id) }
        #expect(try spool.recordAttempt("Q.new") == 1)
        #expect(try spool.recordAttempt("Q.new") == 2)
        #expect(try spool.recordAttempt("Q") == 1)
        #expect(try spool.recordAttempt("Q.new") == 3)
        let output = try spool.makeTemporaryOutput(for: "Q.new")
        _ = try spool.publish(output, id: "Q.new")
        _ = try spool.publish(try spool.makeTemporaryOutput(for: "Q"), id: "Q")
        #expect(spool.isPublished("Q.new") && spool.isPublished("Q"))
        #expect(fixture.list("work") == [".attempts-Q", ".attempts-Q.new", ".published-Q", ".published-Q.new", "Q", "Q.new"])
    }

    /// A crash between staging a record and renaming it leaves the staging file; recovery removes it.
    @Test func recoveryRemovesHalfWrittenRecords() throws {
        let fixture = try SpoolFixture()
        _ = try writeStudy(in: fixture.config.work, id: "S")
        try FileSystem.createFile(fixture.config.work + "/..attempts-S.tmp-4242", bytes: Array("7".utf8))
        #expect(try Spool(fixture.config).recover() == ["S"])
        #expect(fixture.list("work") == ["S"])
    }

    /// failed/ names stay within the id cap, suffix included, and are never cut inside a character.
    @Test func failedNamesOfLongIdsStayWithinTheCap() throws {
        let fixture = try SpoolFixture()
        let spool = Spool(fixture.config)
        let long = String(repeating: "é", count: 70)          // 140 bytes: not a valid id
        let name = safeName(long)
        #expect(name.utf8.count <= StudyID.maxLength && name == String(repeating: "é", count: 64))
        for _ in 0..<2 {
            let input = try writeStudy(in: fixture.config.work, id: "Long")
            _ = try spool.fail(input, name: name, report: Array("{}".utf8))
        }
        let names = fixture.list("failed")
        #expect(names.count == 2 && names.allSatisfy { $0.utf8.count <= StudyID.maxLength })
        #expect(names.contains(String(repeating: "é", count: 63) + ".1"))
    }

    /// A file the daemon may not read is not "still arriving" (that waited up to an hour): the
    /// study is processed at once and fails with the permission to fix.
    @Test func anUnreadableFileIsNotStillArriving() {
        #expect(!StudyCompleteness.mayStillBeArriving(.permissionDenied(path: "/in/S/S_t1.nii.gz", uid: 990)))
        #expect(StudyCompleteness.mayStillBeArriving(.truncatedData(path: "/in/S/S_t1.nii.gz", expectedBytes: 10, readBytes: 4)))
        #expect(VolumeError.permissionDenied(path: "/in/S/S_t1.nii.gz", uid: 990).description
                == "/in/S/S_t1.nii.gz: permission denied: uid 990 may not read it (make it readable, e.g. chmod g+r, and check the folder's x bit)")
        #expect(FailureCategory(of: VolumeError.permissionDenied(path: "/in/S/S_t1.nii.gz", uid: 990)) == .badInput)
    }

    /// Writes inotify never reports (a network mount written from another host) still hold a study
    /// back: it is complete only once its files' change times are older than the settle time.
    @Test func aStudyChangedWithinTheSettleTimeIsNotComplete() throws {
        let fixture = try SpoolFixture()
        let folder = try writeStudy(in: fixture.staging, id: "Quiet")
        let completeness = StudyCompleteness(marker: "READY", reader: NIfTIReader(), quietSeconds: 0.3)
        #expect(completeness.missing(folder) == "files changed within the settle time (0.3 s)")
        usleep(400_000)
        #expect(completeness.missing(folder) == nil)
        #expect(utimes(folder + "/Quiet_t2.nii.gz", nil) == 0)
        #expect(completeness.missing(folder) != nil)
        #expect(StudyCompleteness(marker: "Quiet_t2.nii.gz", reader: NIfTIReader(), quietSeconds: 0.3).missing(folder) == nil)
    }

    /// When work/ cannot take the attempt record (full; here a folder in the record's place), the
    /// study stays queued with a back-off that doubles, each retry counted in the log, and is
    /// published once work/ is writable again.
    @Test func aWorkFolderThatCannotTakeRecordsBacksOff() throws {
        let fixture = try SpoolFixture()
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        defer { daemon.stop() }
        // After start-up, whose recovery removes records of studies not in work/.
        let record = fixture.config.work + "/.attempts-Blocked"
        try FileManager.default.createDirectory(atPath: record + "/in-the-way", withIntermediateDirectories: true)
        try fixture.drop("Blocked")
        #expect(eventually { daemon.log.contains("output not writable (3 in a row); the study stays queued, tried again in 0.4 s") })
        #expect(daemon.log.contains("(1 in a row); the study stays queued, tried again in 0.1 s")
                && daemon.log.contains("(2 in a row); the study stays queued, tried again in 0.2 s"))
        #expect(fixture.list("failed").isEmpty)
        try FileManager.default.removeItem(atPath: record)
        #expect(eventually { fixture.list("outbox") == ["Blocked"] })
    }
}

import Foundation
import Glibc
import Pipeline
import Testing
@testable import Daemon
import Platform

@Suite struct DaemonTests {
    @Test func folderMovedInIsPublishedAndArchived() throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        try fixture.drop("Case_001")
        #expect(eventually { fixture.list("outbox") == ["Case_001"] && fixture.list("archive") == ["Case_001"] })
        #expect(fixture.list("outbox/Case_001").contains("Case_001_seg.txt"))
        #expect(fixture.list("archive/Case_001").count == 4)
        #expect(eventually { fixture.list("work").isEmpty } && fixture.list("inbox").isEmpty)
        #expect(processor.callCounts == ["Case_001": 1])
    }

    @Test func folderCopiedSlowlyIsNotTakenBeforeComplete() throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        let source = try writeStudy(in: fixture.staging, id: "Slow")
        let target = fixture.config.inbox + "/Slow"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        let files = try FileManager.default.contentsOfDirectory(atPath: source).sorted()
        for file in files.dropLast() {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + file)
            usleep(50_000)
        }
        // The last modality arrives in two halves with a pause longer than the settle time.
        let last = try Data(contentsOf: URL(fileURLWithPath: source + "/" + files.last!))
        #expect(FileManager.default.createFile(atPath: target + "/" + files.last!, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target + "/" + files.last!))
        try handle.write(contentsOf: last.prefix(last.count / 2))
        usleep(800_000)  // four settle periods: an incomplete study must still be waiting
        #expect(processor.totalCalls == 0)
        #expect(fixture.list("inbox") == ["Slow"] && fixture.list("outbox").isEmpty)
        try handle.write(contentsOf: last.dropFirst(last.count / 2))
        try handle.close()
        #expect(eventually { fixture.list("outbox") == ["Slow"] })
        #expect(processor.callCounts == ["Slow": 1])
    }

    /// A copier that sets each file's full size first and fills it later (rsync --inplace, some
    /// network copies and PACS exports), with plain .nii files and pauses past the settle time:
    /// while the files are all zeros, and while the last is half filled (a mostly-zero volume that
    /// reads without error), the study waits; it is processed once, when filled.
    @Test func folderCopiedSizeFirstWaitsForTheData() throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        let source = try writeStudy(in: fixture.staging, id: "SizeFirst", dims: [16, 16, 8], gzip: false)
        let target = fixture.config.inbox + "/SizeFirst"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        var contents: [(String, Data)] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: source).sorted() {
            let data = try Data(contentsOf: URL(fileURLWithPath: source + "/" + file))
            #expect(FileManager.default.createFile(atPath: target + "/" + file, contents: nil))
            #expect(truncate(target + "/" + file, off_t(data.count)) == 0)
            contents.append((file, data))
        }
        func fill(_ index: Int, _ range: Range<Int>) throws {
            let handle = try FileHandle(forUpdating: URL(fileURLWithPath: target + "/" + contents[index].0))
            try handle.seek(toOffset: UInt64(range.lowerBound))
            try handle.write(contentsOf: contents[index].1[range])
            try handle.close()
        }
        usleep(800_000)  // four settle periods with every file at its full size, all zeros
        #expect(processor.totalCalls == 0 && fixture.list("inbox") == ["SizeFirst"])
        for i in contents.indices.dropLast() { try fill(i, 0..<contents[i].1.count) }
        let last = contents.count - 1, half = contents[last].1.count / 2
        try fill(last, 0..<half)
        usleep(800_000)  // the last volume reads, but its upper half is zeros
        #expect(processor.totalCalls == 0 && fixture.list("inbox") == ["SizeFirst"])
        try fill(last, half..<contents[last].1.count)
        #expect(eventually { fixture.list("outbox") == ["SizeFirst"] })
        #expect(processor.callCounts == ["SizeFirst": 1] && fixture.list("failed").isEmpty)
    }

    /// A file manager makes "New folder", renames it, then copies into it: the rename inside the
    /// inbox must not count as a folder moved in whole.
    @Test func folderRenamedInsideTheInboxWaitsToBeFilled() throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        let source = try writeStudy(in: fixture.staging, id: "Renamed")
        let target = fixture.config.inbox + "/Renamed"
        try FileManager.default.createDirectory(atPath: fixture.config.inbox + "/New folder", withIntermediateDirectories: false)
        usleep(50_000)
        #expect(rename(fixture.config.inbox + "/New folder", target) == 0)
        usleep(100_000)
        for file in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + file)
        }
        #expect(eventually { fixture.list("outbox") == ["Renamed"] })
        #expect(processor.callCounts == ["Renamed": 1] && fixture.list("failed").isEmpty)
    }

    /// A lone file is never a study; saying so once beats waiting in silence.
    @Test func fileDroppedInTheInboxIsReportedOnce() throws {
        var fixture = try SpoolFixture()
        fixture.config.rescanIntervalSeconds = 0.2
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        defer { daemon.stop() }
        #expect(FileManager.default.createFile(atPath: fixture.config.inbox + "/scan.nii.gz", contents: Data([1])))
        #expect(eventually { daemon.log.contains("scan.nii.gz is not a folder and is ignored") })
        usleep(600_000)  // three rescans
        #expect(daemon.log.count("is not a folder") == 1)
        #expect(fixture.list("inbox") == ["scan.nii.gz"] && fixture.list("failed").isEmpty)
    }

    /// A volume that reads wrong (not a partial copy) makes the study complete: it fails at once
    /// with its reason instead of waiting out the incomplete timeout.
    @Test func studyCopiedInPlaceWithAWrongVolumeFailsWithoutWaiting() throws {
        var fixture = try SpoolFixture()
        fixture.config.incompleteTimeoutSeconds = 600
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        defer { daemon.stop() }
        let source = try writeStudy(in: fixture.staging, id: "Wrong")
        try Data(repeating: 0x41, count: 1000).write(to: URL(fileURLWithPath: source + "/Wrong_t2.nii.gz"))
        let target = fixture.config.inbox + "/Wrong"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        for file in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + file)
        }
        #expect(eventually { fixture.list("failed") == ["Wrong"] })
        #expect(try fixture.errorReport("Wrong")["reason"] as? String == "unreadableVolume")
    }

    @Test func markerFileTriggersAtOnce() throws {
        var fixture = try SpoolFixture()
        fixture.config.settleSeconds = 600
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        let source = try writeStudy(in: fixture.staging, id: "Marked")
        let target = fixture.config.inbox + "/Marked"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: false)
        for file in try FileManager.default.contentsOfDirectory(atPath: source) {
            try FileManager.default.copyItem(atPath: source + "/" + file, toPath: target + "/" + file)
        }
        usleep(300_000)
        #expect(fixture.list("outbox").isEmpty)
        #expect(FileManager.default.createFile(atPath: target + "/READY", contents: nil))
        #expect(eventually(within: 20) { fixture.list("outbox") == ["Marked"] })
    }

    @Test func fiftyStudiesAtOnceArePublishedExactlyOnce() throws {
        var fixture = try SpoolFixture()
        fixture.config.concurrency = 2
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        let ids = (1...50).map { String(format: "Batch_%03d", $0) }
        for id in ids { try writeStudy(in: fixture.staging, id: id, dims: [4, 4, 2]) }
        for id in ids { try fixture.moveIn(id) }
        #expect(eventually(within: 60) { fixture.list("archive").count == 50 })
        #expect(fixture.list("outbox") == ids)
        #expect(processor.callCounts == Dictionary(uniqueKeysWithValues: ids.map { ($0, 1) }))
        #expect(fixture.list("failed").isEmpty && eventually { fixture.list("work").isEmpty })
    }

    @Test func sameIdTwicePublishesBesideTheFirst() throws {
        let fixture = try SpoolFixture()
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        defer { daemon.stop() }
        try fixture.drop("Twice")
        #expect(eventually { fixture.list("outbox") == ["Twice"] })
        try fixture.drop("Twice")
        #expect(eventually { fixture.list("outbox") == ["Twice", "Twice.1"] })
        #expect(eventually { fixture.list("archive") == ["Twice", "Twice.1"] })
    }

    @Test func sameIdDroppedWhileTheFirstRunsIsPublishedAfterIt() throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor(.block)
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        try fixture.drop("Overlap")
        #expect(eventually { processor.totalCalls == 1 && fixture.list("inbox").isEmpty })
        try fixture.drop("Overlap")
        usleep(300_000)  // the watcher reports it while the first runs
        processor.release()
        #expect(eventually { fixture.list("outbox") == ["Overlap", "Overlap.1"] })
        #expect(eventually { fixture.list("inbox").isEmpty && fixture.list("work").isEmpty })
    }

    @Test func sameIdAfterARetryIsStillTaken() throws {
        let fixture = try SpoolFixture()
        let daemon = try RunningDaemon(fixture, processor: StubProcessor(.failWritingOutput(times: 1)))
        defer { daemon.stop() }
        try fixture.drop("Again")
        #expect(eventually { fixture.list("outbox") == ["Again"] })
        try fixture.drop("Again")
        #expect(eventually { fixture.list("outbox") == ["Again", "Again.1"] })
    }

    @Test func studyLeftInWorkByACrashIsPublishedOnce() throws {
        let fixture = try SpoolFixture()
        try writeStudy(in: fixture.config.work, id: "Crashed")
        try FileManager.default.createDirectory(atPath: fixture.config.outbox + "/.tmp-Crashed", withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: fixture.config.outbox + "/.tmp-Crashed/half.nii.gz", contents: Data([1, 2])))
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        #expect(eventually { fixture.list("archive") == ["Crashed"] })
        #expect(fixture.list("outbox") == ["Crashed"])
        #expect(fixture.list("outbox/Crashed") == [".ganet-seg-source", "Crashed_seg.txt"])
        #expect(processor.callCounts == ["Crashed": 1])
    }

    @Test func crashAfterPublishingIsNotPublishedAgain() throws {
        let fixture = try SpoolFixture()
        try writeStudy(in: fixture.config.work, id: "Done")
        let spool = Spool(fixture.config)
        let output = try spool.makeTemporaryOutput(for: "Done")
        _ = try spool.publish(output, id: "Done")
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        #expect(eventually { fixture.list("archive") == ["Done"] && fixture.list("work").isEmpty })
        #expect(fixture.list("outbox") == ["Done"])
        #expect(processor.totalCalls == 0)
    }

    /// ext4 gives a deleted folder's inode to the next one made, so a new study that reuses a
    /// published id can also reuse its input's inode: only a token tells the two apart.
    @Test func newStudyReusingAPublishedIdAndInodeIsProcessed() throws {
        let fixture = try SpoolFixture()
        let input = try writeStudy(in: fixture.config.work, id: "Reused")
        let earlier = fixture.config.outbox + "/Reused"
        try FileManager.default.createDirectory(atPath: earlier, withIntermediateDirectories: false)
        let st = try #require(FileSystem.status(input))
        try Data("\(st.st_dev):\(st.st_ino)".utf8).write(to: URL(fileURLWithPath: earlier + "/" + Spool.sourceFile))
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        #expect(eventually { fixture.list("outbox") == ["Reused", "Reused.1"] && fixture.list("archive") == ["Reused"] })
        #expect(processor.callCounts == ["Reused": 1])
        #expect(eventually { fixture.list("work").isEmpty })
    }

    /// Archiving is the spool's problem, not the study's: the study is published once, its input
    /// waits in work/, and only the archiving is tried again.
    @Test func archiveFailureAfterPublishingRetriesTheArchiveOnly() throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        let archive = fixture.config.archive
        #expect(rmdir(archive) == 0)
        #expect(FileManager.default.createFile(atPath: archive, contents: Data()))
        try fixture.drop("Kept")
        #expect(eventually { fixture.list("outbox") == ["Kept"] })
        usleep(300_000)
        #expect(fixture.list("work").contains("Kept") && fixture.list("failed").isEmpty)
        #expect(unlink(archive) == 0 && mkdir(archive, 0o755) == 0)
        #expect(eventually { fixture.list("archive") == ["Kept"] && fixture.list("work").isEmpty })
        #expect(fixture.list("outbox") == ["Kept"])
        #expect(processor.callCounts == ["Kept": 1])
    }

    /// A failed study fixed by hand and dropped again still holds the old error.json: a new failure
    /// replaces it, so the report beside the inputs is always the latest.
    @Test func studyFailingAgainGetsAFreshReport() throws {
        let fixture = try SpoolFixture()
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        defer { daemon.stop() }
        let source = try writeStudy(in: fixture.staging, id: "Again")
        try FileManager.default.removeItem(atPath: source + "/Again_t2.nii.gz")
        try Data(#"{"reason": "missingModality", "detail": "missing FLAIR"}"#.utf8).write(to: URL(fileURLWithPath: source + "/error.json"))
        try fixture.moveIn("Again")
        #expect(eventually { fixture.list("failed") == ["Again"] })
        #expect((try fixture.errorReport("Again")["detail"] as? String)?.contains("missing T2") == true)
        #expect(fixture.list("failed/Again") == ["Again_flair.nii.gz", "Again_t1.nii.gz", "Again_t1ce.nii.gz", "error.json"])
    }

    @Test func studyThatKeepsCrashingTheDaemonEndsInFailed() throws {
        var fixture = try SpoolFixture()
        fixture.config.maxAttempts = 2
        try writeStudy(in: fixture.config.work, id: "Poison")
        try Data("2".utf8).write(to: URL(fileURLWithPath: fixture.config.work + "/.attempts-Poison"))
        let processor = StubProcessor()
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        #expect(eventually { fixture.list("failed") == ["Poison"] })
        let report = try fixture.errorReport("Poison")
        #expect(report["reason"] as? String == "tooManyAttempts")
        #expect(processor.totalCalls == 0 && fixture.list("work").isEmpty)
    }

    /// A full disk and a lost GPU are transient: the study is tried again (after a GPU failure the
    /// real processor reopens the device).
    @Test(arguments: [StubProcessor.Behaviour.failWritingOutput(times: 1), .loseDevice(times: 1)])
    func transientFailureIsRetried(_ behaviour: StubProcessor.Behaviour) throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor(behaviour)
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        try fixture.drop("Flaky")
        #expect(eventually { fixture.list("outbox") == ["Flaky"] })
        #expect(processor.callCounts == ["Flaky": 2])
        #expect(fixture.list("failed").isEmpty)
    }

    /// A full or read-only outbox is never the study's fault: past max_attempts (3) it stays
    /// queued, STATUS= says why, and it is published once the outbox takes outputs again.
    @Test(arguments: [ENOSPC, EROFS, EACCES])
    func anUnwritableOutboxNeverFailsTheStudy(_ code: Int32) throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor(.failWritingOutput(times: 5, code: code))
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        try fixture.drop("Full")
        #expect(daemon.notify.waitFor("STATUS=output not writable, studies kept queued: cannot create") != nil)
        #expect(eventually { fixture.list("outbox") == ["Full"] })
        #expect(processor.callCounts == ["Full": 6])
        #expect(fixture.list("failed").isEmpty)
        #expect(daemon.notify.waitFor("STATUS=idle; 0 waiting, 1 published") != nil)
    }

    /// A device that keeps failing is transient but counted: after max_attempts the study ends in
    /// failed/ with its inputs and a report that says it was worth retrying.
    @Test func aDeviceThatKeepsFailingEndsInFailed() throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor(.loseDevice(times: 100))
        let daemon = try RunningDaemon(fixture, processor: processor)
        defer { daemon.stop() }
        try fixture.drop("Lost")
        #expect(eventually { fixture.list("failed") == ["Lost"] })
        #expect(processor.callCounts == ["Lost": 3])
        let report = try fixture.errorReport("Lost")
        #expect(report["stage"] as? String == "segment" && report["category"] as? String == "transient")
        #expect(report["transient"] as? Bool == true)
        #expect(report["attempts"] as? Int == 3)
        #expect(fixture.list("failed/Lost").count == 5)
        #expect(fixture.list("outbox").isEmpty)
    }

    @Test func stopAbandonsTheStudyInProgressCleanly() throws {
        let fixture = try SpoolFixture()
        let processor = StubProcessor(.block)
        defer { processor.release() }
        let daemon = try RunningDaemon(fixture, processor: processor)
        try fixture.drop("Busy")
        #expect(eventually { processor.totalCalls == 1 })
        #expect(daemon.notify.waitFor("STATUS=processing Busy") != nil)
        #expect(daemon.stop())
        #expect(fixture.list("inbox") == ["Busy"])
        #expect(fixture.list("inbox/Busy").count == 4)
        #expect(fixture.list("outbox").isEmpty && fixture.list("work").isEmpty && fixture.list("archive").isEmpty)
    }

    @Test func stopLetsAShortStudyFinish() throws {
        var fixture = try SpoolFixture()
        fixture.config.shutdownGraceSeconds = 20
        let processor = StubProcessor(.block)
        let daemon = try RunningDaemon(fixture, processor: processor)
        try fixture.drop("Finishing")
        #expect(eventually { processor.totalCalls == 1 })
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) { processor.release() }
        #expect(daemon.stop())
        #expect(fixture.list("outbox") == ["Finishing"] && fixture.list("inbox").isEmpty)
    }

    @Test func inboxRemovedStopsTheDaemonWithAnError() throws {
        let fixture = try SpoolFixture()
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        defer { daemon.stop() }
        #expect(rename(fixture.config.inbox, fixture.root + "/inbox-moved") == 0)
        let outcome = daemon.outcome(within: 20)
        #expect(outcome.map { if case .failure(let error) = $0 { error is WatcherStopped } else { false } } == true)
    }

    @Test func secondDaemonOnTheSameSpoolIsRefused() throws {
        let fixture = try SpoolFixture()
        let first = try RunningDaemon(fixture, processor: StubProcessor())
        defer { first.stop() }
        let second = InboxDaemon(config: fixture.config, processor: StubProcessor(), software: "test",
                                 logger: .init(label: "test"), notifier: ServiceNotifier(socketPath: nil, watchdogSeconds: nil))
        second.requestStop()  // without the lock it would return at once rather than run on
        #expect {
            try second.run()
        } throws: { error in
            (error as? ConfigError)?.problems.map(\.message) == ["work: another ganet-seg daemon is running on \(fixture.config.work) (it holds the directory's lock)"]
        }
    }

    /// A folder the daemon may not rename (tests run as root, so the refusal itself is simulated).
    @Test func claimRefusedForPermissionSaysWhatFixesIt() throws {
        let fixture = try SpoolFixture()
        let folder = try writeStudy(in: fixture.config.inbox, id: "Locked")
        #expect(chmod(folder, 0o755) == 0)
        let message = claimProblem(SystemError("rename", folder, code: EACCES), folder: folder)
        #expect(message.hasPrefix("rename \(folder): Permission denied; the folder (owner uid \(getuid())"))
        #expect(message.contains("mode 755) must be writable by the daemon"))
        #expect(message.hasSuffix("chmod -R g+rwX '\(folder)'"))
        #expect(claimProblem(SystemError("rename", folder, code: EXDEV), folder: folder) == "rename \(folder): Invalid cross-device link")
    }

    @Test func readyStatusAndWatchdogAreSent() throws {
        let fixture = try SpoolFixture()
        let daemon = try RunningDaemon(fixture, processor: StubProcessor(), watchdogSeconds: 0.4)
        #expect(daemon.notify.waitFor("WATCHDOG=1") != nil)
        try fixture.drop("Noted")
        let messages = daemon.notify.waitFor("STATUS=idle; 0 waiting, 1 published") ?? []
        #expect(!messages.isEmpty)
        daemon.daemon.requestStop()
        #expect(daemon.notify.waitFor("STOPPING=1") != nil)
        #expect(daemon.stop())
    }
}

/// `ganet-seg status`'s reading of a spool.
@Suite struct SpoolSummaryTests {
    /// With a daemon running (this process holds the lock), a published, a failed and a waiting
    /// study; then with the daemon stopped.
    @Test func summarisesTheSpool() throws {
        var fixture = try SpoolFixture()
        fixture.config.marker = "READY"
        let daemon = try RunningDaemon(fixture, processor: StubProcessor())
        try fixture.drop("Good")
        let bad = try writeStudy(in: fixture.staging, id: "Bad")
        try FileManager.default.removeItem(atPath: bad + "/Bad_flair.nii.gz")
        try fixture.moveIn("Bad")
        #expect(eventually { fixture.list("outbox") == ["Good"] && fixture.list("failed") == ["Bad"] })
        // Copied in place without its marker, it waits.
        try FileManager.default.createDirectory(atPath: fixture.config.inbox + "/Arriving", withIntermediateDirectories: false)

        let running = SpoolSummary(config: fixture.config)
        #expect(running.daemonPID == getpid())
        #expect(running.waiting == ["Arriving"] && running.inWork.isEmpty && running.published == 1 && running.archived == 1)
        #expect(running.failed.map(\.name) == ["Bad"] && running.failed[0].category == "badInput")
        #expect(running.failed[0].detail.contains("missing FLAIR"))
        let text = running.text()
        #expect(text.hasPrefix("daemon: running (pid \(getpid()))\ninbox: 1 waiting: Arriving\n"))
        #expect(text.contains("\nfailed: 1\n  ") && text.hasSuffix("  Bad  badInput: \(running.failed[0].detail)"))

        daemon.stop()
        #expect(SpoolSummary(config: fixture.config).daemonPID == nil)
    }
}

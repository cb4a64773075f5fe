import Glibc
import Platform
import Testing

/// A fresh folder under /tmp for one test.
private func scratch() throws -> String {
    var template = Array("/tmp/ganet-seg-platform-XXXXXX".utf8CString)
    guard let path = mkdtemp(&template) else { throw SystemError("mkdtemp", "/tmp") }
    return String(cString: path)
}

@Suite struct FileSystemTests {
    @Test func atomicWriteReplacesWholeAndLeavesNoTemporary() throws {
        let folder = try scratch()
        defer { try? FileSystem.removeTree(folder) }
        let path = folder + "/metrics.json"
        try FileSystem.writeAtomically(Array("old".utf8), to: path)
        try FileSystem.writeAtomically(Array("new contents".utf8), to: path)
        #expect(FileSystem.readSmallFile(path) == Array("new contents".utf8))
        #expect(try FileSystem.list(folder) == ["metrics.json"])
    }

    @Test func aFailedWriteBodyRemovesItsTemporaryAndKeepsTheOldFile() throws {
        struct Refused: Error {}
        let folder = try scratch()
        defer { try? FileSystem.removeTree(folder) }
        let path = folder + "/mask.nii.gz"
        try FileSystem.writeAtomically(Array("old".utf8), to: path)
        #expect(throws: Refused.self) {
            try FileSystem.writeAtomically(to: path) { temporary in
                try FileSystem.createFile(temporary, bytes: [1, 2, 3])
                throw Refused()
            }
        }
        #expect(FileSystem.readSmallFile(path) == Array("old".utf8))
        #expect(try FileSystem.list(folder) == ["mask.nii.gz"])
    }

    @Test func atomicWriteIntoAMissingFolderNamesTheTemporaryAndErrno() {
        #expect(throws: SystemError("write", "/nonexistent-dir/.a.png.tmp-\(getpid())", code: ENOENT)) {
            try FileSystem.writeAtomically([0], to: "/nonexistent-dir/a.png")
        }
    }

    @Test func makeDirectoriesCreatesParentsAcceptsExistingFoldersAndRefusesFiles() throws {
        let folder = try scratch()
        defer { try? FileSystem.removeTree(folder) }
        try FileSystem.makeDirectories(folder + "/a/b/c")
        try FileSystem.makeDirectories(folder + "/a/b/c")
        #expect(FileSystem.isDirectory(folder + "/a/b/c"))
        try FileSystem.createFile(folder + "/file", bytes: [])
        #expect(throws: SystemError("mkdir", folder + "/file", code: EEXIST)) { try FileSystem.makeDirectories(folder + "/file") }
        #expect(throws: SystemError("mkdir", folder + "/file/x", code: ENOTDIR)) { try FileSystem.makeDirectories(folder + "/file/x") }
    }

    @Test func renameNeverReplaces() throws {
        let folder = try scratch()
        defer { try? FileSystem.removeTree(folder) }
        try FileSystem.createFile(folder + "/a", bytes: [1])
        try FileSystem.createFile(folder + "/b", bytes: [2])
        #expect(throws: SystemError("rename to \(folder)/b", folder + "/a", code: EEXIST)) {
            try FileSystem.rename(folder + "/a", to: folder + "/b")
        }
        #expect(FileSystem.readSmallFile(folder + "/b") == [2])
    }

    @Test func removeTreeDoesNotFollowLinks() throws {
        let folder = try scratch(), outside = try scratch()
        defer { try? FileSystem.removeTree(folder); try? FileSystem.removeTree(outside) }
        try FileSystem.createFile(outside + "/keep", bytes: [1])
        try FileSystem.makeDirectory(folder + "/sub")
        #expect(symlink(outside, folder + "/sub/link") == 0)
        try FileSystem.removeTree(folder + "/sub")
        #expect(FileSystem.status(folder + "/sub") == nil)
        #expect(FileSystem.readSmallFile(outside + "/keep") == [1])
    }
}

@Suite struct FailureCategoryTests {
    @Test func exitCodesFollowSysexits() {
        #expect(FailureCategory.allCases.map(\.exitCode) == [65, 74, 75, 70])
    }

    @Test func onlyFailuresOutsideTheInputAreRetried() {
        #expect(FailureCategory.allCases.filter(\.isRetryable) == [.outputNotWritable, .transient])
    }

    @Test func aFailedOutputWriteIsTransientOnlyForConditionsOfTheMachine() {
        for code in [ENOSPC, EDQUOT, EROFS, EACCES, EPERM, ENOENT] {
            #expect(FailureCategory.ofOutputWrite(errno: code) == .outputNotWritable)
        }
        for code in [ENOMEM, EMFILE, ENFILE, EAGAIN, EINTR, EIO, EBUSY] {
            #expect(FailureCategory.ofOutputWrite(errno: code) == .transient)
        }
    }

    @Test func anUncategorisedErrorIsInternal() {
        struct Surprise: Error {}
        #expect(FailureCategory(of: Surprise()) == .internal)
        #expect(FailureCategory(of: SystemError("write", "/out/x", code: EROFS)) == .outputNotWritable)
    }
}

@Suite struct ParallelTests {
    @Test func parallelMapKeepsOrder() {
        #expect((3..<103).parallelMap { $0 * $0 } == (3..<103).map { $0 * $0 })
    }

    @Test func chunksCoverEveryIndexOnce() {
        let total = 1 << 18
        let hits = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: total)
        defer { hits.deallocate() }
        hits.initialize(repeating: 0)
        Parallel.chunks(total) { range in for i in range { hits[i] += 1 } }
        #expect(hits.allSatisfy { $0 == 1 })
    }
}

import Pipeline
import Platform
import Volumes

/// Decides whether a study folder that is being copied in file by file is complete.
struct StudyCompleteness: Sendable {
    var marker: String
    var reader: NIfTIReader
    /// How long nothing in the folder may have changed, judged from the files' change times.
    /// inotify reports local writes; this also covers writes it never sees (a network mount written
    /// from another host, a folder the watcher could not watch). A file server whose clock runs
    /// ahead of ours delays a study by the difference, at most until the incomplete timeout.
    var quietSeconds: Double

    /// Nil when the study is complete: the marker file is present, or nothing in the folder has
    /// changed for `quietSeconds` and either the folder is wrong in a way more files cannot fix (a
    /// symlink, a FIFO, a bad name, a volume whose header or voxels are wrong: processing will
    /// reject it with the precise reason) or all four modalities read completely with signal in
    /// every one. Otherwise what it still waits for.
    func missing(_ folder: String) -> String? {
        if hasMarker(folder) { return nil }
        if wallClockSeconds() - Self.lastChange(folder) < quietSeconds {
            // The same words on every check, so that the watcher logs the wait once.
            return "files changed within the settle time (\(quietSeconds) s)"
        }
        let study: StudyFolder
        do {
            study = try StudyFolder(path: folder)
        } catch let error as StudyError {
            if case .missingModality = error { return "\(error)" }
            return nil
        } catch {
            return nil
        }
        var images: [Volume] = []
        for file in Modality.allCases.map({ study.modalities[$0]! }) + (study.groundTruth.map { [$0] } ?? []) {
            do { images.append(try reader.read(path: file)) } catch let error as VolumeError where Self.mayStillBeArriving(error) {
                return "\(error)"
            } catch {
                return nil
            }
        }
        // Every byte is there, but a copier that sets the size first leaves the rest as zeros.
        do { try Study.checkSignal(Array(images.prefix(4)), files: Modality.allCases.map { study.modalities[$0]! }) } catch {
            if case .partialModality = error { return "\(error)" }
        }
        return nil
    }

    /// Read errors a file still being written gives: missing or short, a compressed stream cut
    /// off, or a header still zeros (copiers that set the size first).
    static func mayStillBeArriving(_ error: VolumeError) -> Bool {
        switch error {
        case .fileNotFound, .emptyFile, .unreadable, .truncatedHeader, .truncatedData, .gzipTrailerMissing: true
        case .notNIfTI(_, let sizeofHdr): sizeofHdr == 0
        default: false
        }
    }

    func hasMarker(_ folder: String) -> Bool { FileSystem.status(folder + "/" + marker) != nil }

    /// The newest change time (wall clock, seconds) of the folder and its entries. The change time
    /// moves with every write, truncation, rename or attribute change, and no copier can set it
    /// back (unlike the modification time, which `cp -p` and `rsync -t` restore).
    static func lastChange(_ folder: String) -> Double {
        let entries = ((try? FileSystem.list(folder)) ?? []).map { folder + "/" + $0 } + [folder]
        return entries.compactMap(FileSystem.status).map { Double($0.st_ctim.tv_sec) + Double($0.st_ctim.tv_nsec) / 1e9 }.max() ?? 0
    }
}

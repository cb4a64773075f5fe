import Compute
import Glibc
import Metrics
import Networks
import Pipeline
import Platform
import Reports
import Testing
import Volumes

/// Each module's errors land in the category that decides the CLI's exit status and the daemon's
/// retry: what the user can fix (65), our output side (74), a passing condition (75), a fault of ours (70).
@Suite struct ErrorTaxonomyTests {
    @Test func badInputExitsWith65() {
        let errors: [any Error] = [
            StudyError.missingModality(.t1ce, folder: "/in/s"),
            VolumeError.wrongMagic(path: "/in/s/t1.nii", magic: "xxxx"),
            PreprocessingError.emptyBrain(study: "s"),
            MetricsError.mixedConventions(.prediction),
            SafeTensors.Error.malformed(path: "/m.safetensors", reason: "short header"),
            WeightsError.missing(name: "enc0.w", path: "/m.safetensors"),
            ModelFileError("no convention"),
        ]
        for error in errors { #expect(FailureCategory(of: error).exitCode == 65, "\(error)") }
    }

    @Test func unwritableOutputExitsWith74() {
        let errors: [any Error] = [
            VolumeError.writeFailed(path: "/out/s_seg.nii.gz", reason: "No space left on device"),
            ReportError.png(.writeFailed(path: "/out/overview.png", code: ENOSPC)),
            ReportError.folderFailed(path: "/out/report", code: EROFS),
            SafeTensors.Error.writeFailed(path: "/out/m.safetensors", reason: "EACCES"),
            SystemError("write", "/out/metrics.json", code: ENOSPC),
        ]
        for error in errors { #expect(FailureCategory(of: error).exitCode == 74, "\(error)") }
    }

    @Test func aLostDeviceIsTransientAndExitsWith75() {
        let error = DeviceFailure(device: "vulkan:0", reason: "VK_ERROR_DEVICE_LOST")
        #expect(FailureCategory(of: error) == .transient && error.stage == "segment")
        #expect(FailureCategory(of: error).exitCode == 75)
    }

    @Test func ourOwnFaultsExitWith70() {
        struct Unexpected: Error {}
        #expect(FailureCategory(of: Unexpected()).exitCode == 70)
        #expect(FailureCategory(of: ReportError.invalidInput("no slices")).exitCode == 70)
    }

    @Test func stagesNameWhereProcessingStopped() {
        #expect(StudyError.missingModality(.t2, folder: "/in").stage == "validate")
        #expect(StudyError.unreadableVolume(.emptyFile(path: "/in/t2.nii")).stage == "read")
        #expect(VolumeError.writeFailed(path: "/o", reason: "").stage == "write")
        #expect(ReportError.folderFailed(path: "/o", code: EROFS).stage == "report")
    }
}

import ArgumentParser
import Compute

/// `--device`: where the networks run. `auto` picks a GPU when one is present (the Vulkan backend is
/// not built yet, so today that is always the CPU); `cpu` forces the CPU.
enum Device: String, ExpressibleByArgument, CaseIterable {
    case auto, cpu

    func makeBackend() -> any Backend {
        CPUBackend()
    }
}

/// Where the default model lives: models/ganet-seg-unet.safetensors beside the data folder.
enum DefaultModel {
    static let fileName = "ganet-seg-unet.safetensors"

    static func find() throws -> String {
        if let found = InstallationFiles.find("models/" + fileName) { return found }
        throw InputError("no default model (models/\(fileName)); pass --model FILE or train one with `ganet-seg train`")
    }
}

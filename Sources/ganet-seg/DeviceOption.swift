import ArgumentParser
import Compute
import Devices
import Platform
import VulkanBackend

/// `--device`: where the networks run (see `DeviceSelection`).
extension DeviceSelection: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }

    public static var allValueStrings: [String] { spellings }

    public var defaultValueDescription: String { description }

    /// The backend, with the Vulkan options this process's environment asks for.
    func makeBackend() throws(DeviceUnavailable) -> any Backend {
        try makeBackend(environment: processEnvironment())
    }
}

/// Where the default model lives: models/ganet-seg-unet.safetensors of the installation.
enum DefaultModel {
    static let fileName = "ganet-seg-unet.safetensors"

    static func find() throws -> String {
        if let found = InstallationFiles.find("models/" + fileName) { return found }
        throw InputError("no default model (models/\(fileName)); pass --model FILE or train one with `ganet-seg train`")
    }
}

/// `ganet-seg devices`: what compute devices this machine offers.
struct Devices: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the compute devices (CPU and Vulkan) ganet-seg can use.")

    func run() throws {
        print("cpu        \(CPUBackend().deviceName)")
        do {
            let devices = try VulkanDevice.list()
            let preferred = VulkanDevice.preferred(among: devices)
            for d in devices {
                print("vulkan:\(d.index)   \(d)\(d == preferred ? "  <- auto" : "")")
            }
            if preferred == nil { print("(no Vulkan GPU: auto uses the CPU)") }
        } catch {
            print("vulkan     none: \(error)")
        }
    }
}

import ArgumentParser
import Compute
import VulkanBackend

/// `--device`: where the networks run.
/// - `auto`: a Vulkan GPU (discrete, then integrated) when one is present, else the CPU.
/// - `cpu`: the OpenBLAS CPU backend.
/// - `gpu`: a Vulkan GPU; fails clearly when there is none.
/// - `vulkan` or `vulkan:N`: any Vulkan device, CPU-type ones (Mesa's lavapipe) included, or device N
///   of `ganet-seg devices`.
struct Device: ExpressibleByArgument, Sendable {
    enum Choice: Equatable, Sendable { case auto, cpu, gpu, vulkan(Int?) }
    let choice: Choice

    static let auto = Device(choice: .auto)
    static let cpu = Device(choice: .cpu)

    init(choice: Choice) { self.choice = choice }

    init?(argument: String) {
        switch argument {
        case "auto": choice = .auto
        case "cpu": choice = .cpu
        case "gpu": choice = .gpu
        case "vulkan": choice = .vulkan(nil)
        default:
            guard argument.hasPrefix("vulkan:"), let n = Int(argument.dropFirst("vulkan:".count)), n >= 0 else { return nil }
            choice = .vulkan(n)
        }
    }

    static var allValueStrings: [String] { ["auto", "cpu", "gpu", "vulkan", "vulkan:N"] }

    var defaultValueDescription: String {
        switch choice {
        case .auto: "auto"
        case .cpu: "cpu"
        case .gpu: "gpu"
        case .vulkan(let n): n.map { "vulkan:\($0)" } ?? "vulkan"
        }
    }

    func makeBackend() throws -> any Backend {
        switch choice {
        case .cpu:
            return CPUBackend()
        case .auto:
            // No loader or no GPU is the normal case on a workstation without one: use the CPU.
            return (try? VulkanBackend(allowCPUDevice: false)) ?? CPUBackend()
        case .gpu:
            do { return try VulkanBackend(allowCPUDevice: false) } catch {
                throw InputError("--device gpu: \(error)")
            }
        case .vulkan(let index):
            do {
                let devices = try VulkanDevice.list()
                guard let index else { return try VulkanBackend(allowCPUDevice: true) }
                guard index < devices.count else {
                    throw InputError("--device vulkan:\(index): there are \(devices.count) Vulkan devices (see `ganet-seg devices`)")
                }
                return try VulkanBackend(device: devices[index])
            } catch let error as InputError { throw error } catch {
                throw InputError("--device vulkan: \(error)")
            }
        }
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

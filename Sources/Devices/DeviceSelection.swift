/// Which compute device the networks run on, as the CLI's `--device` and the daemon's `device`
/// key spell it:
/// - `auto`: a Vulkan GPU (discrete, then integrated) when one is present, else the CPU.
/// - `cpu`: the OpenBLAS CPU backend.
/// - `gpu`: a Vulkan GPU; fails clearly when there is none.
/// - `vulkan` or `vulkan:N`: any Vulkan device, CPU-type ones (Mesa's lavapipe) included, or device N
///   of `ganet-seg devices`.
public enum DeviceSelection: Equatable, Hashable, Sendable, CustomStringConvertible {
    case auto, cpu, gpu
    case vulkan(index: Int?)

    /// Parses the spelling above; nil for anything else.
    public init?(_ text: String) {
        switch text {
        case "auto": self = .auto
        case "cpu": self = .cpu
        case "gpu": self = .gpu
        case "vulkan": self = .vulkan(index: nil)
        default:
            let digits = text.dropFirst("vulkan:".count)
            guard text.hasPrefix("vulkan:"), !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(digits), n >= 0 else {
                return nil
            }
            self = .vulkan(index: n)
        }
    }

    /// The accepted spellings, for help texts and error messages.
    public static let spellings = ["auto", "cpu", "gpu", "vulkan", "vulkan:N"]

    public var description: String {
        switch self {
        case .auto: "auto"
        case .cpu: "cpu"
        case .gpu: "gpu"
        case .vulkan(let n): n.map { "vulkan:\($0)" } ?? "vulkan"
        }
    }
}

/// The compute shaders (`Shaders/<rawValue>.comp`) and how many storage buffers each binds.
enum Kernel: String, CaseIterable {
    case conv
    case convTiled = "conv_tiled"
    case convTensorCores = "conv_coopmat"
    case convTiledPacked = "conv_tiled_packed"
    case convTensorCoresPacked = "conv_coopmat_packed"
    case convTensorCoresPackedWide = "conv_coopmat_packed_wide"
    case packHalf = "pack_half"
    case unary
    case unaryBackward = "unary_backward"
    case binary
    case sum
    case sumPartial = "sum_partial"
    case softmax
    case softmaxBackward = "softmax_backward"
    case instanceNorm = "instance_norm"
    case instanceNormBackward = "instance_norm_backward"
    case maxPool = "max_pool"
    case maxPoolBackward = "max_pool_backward"
    case laplacian
    case adam

    /// Storage buffers at bindings `0..<bindings`, in the shader's order.
    var bindings: Int {
        switch self {
        case .unary, .sum, .sumPartial, .softmax, .laplacian: 2
        case .binary, .softmaxBackward, .maxPool, .maxPoolBackward, .packHalf: 3
        case .conv, .unaryBackward: 4
        case .convTiled, .convTensorCores, .convTiledPacked, .convTensorCoresPacked, .convTensorCoresPackedWide: 5
        case .instanceNorm: 6
        case .adam: 7
        case .instanceNormBackward: 8
        }
    }

    /// The most bindings of any kernel (sizes the descriptor pools).
    static let maxBindings = allCases.map(\.bindings).max()!

    /// Workgroup size of every kernel (`local_size_x`) but the `conv_tiled` and `conv_coopmat` ones (128).
    static let workgroupSize = 256
}

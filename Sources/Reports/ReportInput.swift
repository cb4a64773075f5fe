import Glibc
import Platform
/// How voxel axes map onto an axial display image.
///
/// Without flips, voxel x runs left to right across the image and voxel y top to bottom.
/// Reports use the radiological convention: patient right on the image left, anterior at the top.
/// For a RAS+ affine (x toward patient right, y toward anterior) that means flipping both axes, the default;
/// for the BraTS LPS-style affine diag(-1, -1, 1) it means no flips.
public struct DisplayOrientation: Equatable, Sendable {
    /// Show voxel x reversed (x = 0 on the image right).
    public var flipX: Bool
    /// Show voxel y reversed (y = 0 at the image bottom).
    public var flipY: Bool

    public init(flipX: Bool = true, flipY: Bool = true) {
        self.flipX = flipX
        self.flipY = flipY
    }

    /// Voxels in BraTS order (x toward patient left, y toward posterior): shown as stored.
    public static let bratsOrder = DisplayOrientation(flipX: false, flipY: false)

    /// The radiological display for a voxel-to-RAS affine (4x4 or 3x4 rows, e.g. the NIfTI sform):
    /// flip x when voxel x points toward patient right, flip y when voxel y points anterior.
    /// Assumes an axial acquisition (voxel x and y lie mostly in the RAS x-y plane).
    public init(affine rows: [[Double]]) {
        precondition(rows.count >= 3 && rows.allSatisfy { $0.count >= 3 }, "affine needs 3 rows of 3+ columns")
        self.init(flipX: rows[0][0] > 0 || (rows[0][0] == 0 && rows[1][0] > 0),
                  flipY: rows[1][1] > 0 || (rows[1][1] == 0 && rows[0][1] > 0))
    }
}

/// How the axial slices a report shows relate to the slices stored in the study's file.
public enum StoredSlices: Equatable, Sendable {
    /// Shown slice z is stored slice z.
    case same
    /// Shown slice z is stored slice (count - 1 - z): the file's slices run from the top down.
    case reversed
    /// The file stores other planes (sagittal or coronal): no stored slice matches a shown one.
    case none

    /// The stored index of shown slice `z` of `slices`, when there is one.
    public func index(of z: Int, slices: Int) -> Int? {
        switch self {
        case .same: z
        case .reversed: slices - 1 - z
        case .none: nil
        }
    }
}

/// Everything a report shows for one study: two co-registered modalities and a BraTS label map on one grid.
public struct ReportInput: Sendable {
    /// Study identifier shown in the header.
    public var studyID: String
    /// Grid size (x, y, z); voxel arrays are x fastest, then y, then z.
    public var dims: [Int]
    /// Voxel size in mm along (x, y, z).
    public var spacing: [Double]
    public var flair: [Float]
    public var t1ce: [Float]
    /// BraTS labels: 0 background, 1 NCR, 2 ED, 4 (BraTS 2020) or 3 (BraTS 2023) ET; other values are ignored.
    public var labels: [UInt8]
    public var orientation: DisplayOrientation
    /// How the shown axial slices relate to the slices stored in the file, for captions.
    public var storedSlices: StoredSlices = .same
    /// Lines shown on the overview page under the volumes, above the images: the model's caveat
    /// and provenance (`Pipeline`'s segmenter fills them from the weights file).
    public var notes: [String] = []
    /// The GAN module's page (`anomaly.png`), when the study was segmented with a GAN; its labels are
    /// set to `labels` when drawn.
    public var anomaly: AnomalyPageInput?

    public init(studyID: String, dims: [Int], spacing: [Double], flair: [Float], t1ce: [Float], labels: [UInt8],
                orientation: DisplayOrientation = DisplayOrientation()) {
        self.studyID = studyID
        self.dims = dims
        self.spacing = spacing
        self.flair = flair
        self.t1ce = t1ce
        self.labels = labels
        self.orientation = orientation
    }

    var voxelCount: Int { dims.reduce(1, *) }

    /// The file's voxel index k of shown slice `z`, when there is one.
    func storedSlice(_ z: Int) -> Int? { storedSlices.index(of: z, slices: dims[2]) }

    /// Throws unless the grid is 3-D, spacings are positive and every array matches the grid.
    func validate() throws(ReportError) {
        guard dims.count == 3, dims.allSatisfy({ $0 > 0 }) else { throw .invalidInput("dims must be 3 positive sizes, got \(dims)") }
        guard spacing.count == 3, spacing.allSatisfy({ $0 > 0 && $0.isFinite }) else {
            throw .invalidInput("spacing must be 3 positive finite mm values, got \(spacing)")
        }
        for (name, count) in [("flair", flair.count), ("t1ce", t1ce.count), ("labels", labels.count)]
        where count != voxelCount {
            throw .invalidInput("\(name) has \(count) voxels, grid \(dims) needs \(voxelCount)")
        }
    }
}

/// Why a report could not be produced.
public enum ReportError: CategorizedError, Equatable {
    public var category: FailureCategory {
        switch self {
        case .invalidInput: .internal
        case .png(let error): error.category
        case .folderFailed(_, let code): .ofOutputWrite(errno: code)
        }
    }

    public var stage: String { "report" }

    case invalidInput(String)
    case png(PNGError)
    /// The report folder could not be made; `code` is the errno.
    case folderFailed(path: String, code: Int32)

    public var description: String {
        switch self {
        case .invalidInput(let m): "invalid report input: \(m)"
        case .png(let e): e.description
        case .folderFailed(let path, let code): "cannot create \(path): \(String(cString: strerror(code)))"
        }
    }
}

import Metrics

/// metrics.json, schema `ganet-seg/metrics/v1`: what was segmented, with what, how long each
/// stage took, what was found and, when the study had a ground truth, how well it agrees.
public struct MetricsDocument: Codable, Sendable {
    public var schema = "ganet-seg/metrics/v1"
    public var studyID: String
    public var created: String
    public var software: Software
    public var model: ModelInfo
    public var device: String
    public var input: InputInfo
    public var labelConvention: LabelConvention
    /// Post-processing: tumour components under this many voxels were removed (0: none). Optional
    /// so that documents written before it existed still decode.
    public var minLesionVoxels: Int? = nil
    /// The post-processing's share of the largest component under which a component is removed.
    public var minLesionFraction: Double? = nil
    /// The post-processing's share of background around an enhancing component at which it was removed (0: off).
    public var isolatedEnhancementShare: Double? = nil
    /// The post-processing's share of rays meeting core at which enclosed oedema became core (0: off).
    public var enclosedCoreFraction: Double? = nil
    /// The post-processing's fraction of the way from normal brain to oedema on FLAIR under which
    /// oedema at the tumour's border was removed (0: off).
    public var faintOedemaFraction: Double? = nil
    public var timingsMS: [String: Double]
    /// By BraTS region (WT, TC, ET) and by the labels NCR and ED.
    public var regions: [String: RegionSummary]
    public var evaluation: Evaluation?
    /// The GAN module's tumour detection (only when segmenting with a GAN; absent otherwise, so
    /// documents without it are unchanged v1).
    public var anomaly: Anomaly? = nil

    /// Slice-level anomaly scores from the discriminator's map (`<id>_anomaly.nii.gz`).
    public struct Anomaly: Codable, Sendable, Equatable {
        /// How the map was made: "discriminator" (1 - D, the paper's) or "residual" (the inpainting
        /// residual); see `AnomalyMethod`.
        public var method: String
        /// Per axial slice, inferior to superior (the study in BraTS order, as the report shows it):
        /// the highest anomaly value over the slice's brain voxels (0 for slices without brain).
        public var sliceScores: [Double]
        /// The highest slice score.
        public var studyScore: Double
        /// `studyScore >= threshold`.
        public var detected: Bool
        public var threshold: Double
        /// The GAN's weights file.
        public var gan: ModelInfo?

        public init(method: String, sliceScores: [Double], studyScore: Double, detected: Bool, threshold: Double,
                    gan: ModelInfo? = nil) {
            self.method = method
            self.sliceScores = sliceScores
            self.studyScore = studyScore
            self.detected = detected
            self.threshold = threshold
            self.gan = gan
        }

        enum CodingKeys: String, CodingKey {
            case method, sliceScores = "slice_scores", studyScore = "study_score", detected, threshold, gan
        }
    }

    public struct Software: Codable, Sendable, Equatable, CustomStringConvertible {
        public var name: String
        public var version: String
        /// The git commit of the build, when the build was stamped with one (packaged builds are).
        public var commit: String?

        public init(name: String, version: String, commit: String? = nil) {
            self.name = name
            self.version = version
            self.commit = commit
        }

        /// "ganet-seg 0.1.0" or "ganet-seg 0.1.0 (commit 1a2b3c4d5e6f)", as error.json and logs name it.
        public var description: String {
            "\(name) \(version)" + (commit.map { " (commit \($0.prefix(12)))" } ?? "")
        }
    }

    public struct ModelInfo: Codable, Sendable, Equatable {
        public var name: String
        public var sha256: String
        /// What the model was trained on, from the weights file's metadata.
        public var trainingData: String?

        public init(name: String, sha256: String, trainingData: String? = nil) {
            self.name = name
            self.sha256 = sha256
            self.trainingData = trainingData
        }

        enum CodingKeys: String, CodingKey {
            case name, sha256, trainingData = "training_data"
        }
    }

    public struct InputInfo: Codable, Sendable {
        public var shape: [Int]
        public var spacingMM: [Double]
        /// Where each voxel axis points, as nibabel's axis codes ("LPS": i toward the patient's
        /// left, j posterior, k superior; BraTS's order).
        public var orientation: String?
        /// File name per modality (t1, t1ce, t2, flair) and of the ground truth when present.
        public var files: [String: String]
        /// sha256 of each file as it was on disk, by the keys of `files`.
        public var sha256: [String: String]?
        /// How the acquisition may mislead (slices not axial, strong obliquity), as the report's
        /// first page says it (`Geometry.acquisitionWarnings`); absent when there is nothing to say.
        public var warnings: [String]?

        enum CodingKeys: String, CodingKey {
            case shape, spacingMM = "spacing_mm", orientation, files, sha256, warnings
        }
    }

    public struct RegionSummary: Codable, Sendable, Equatable {
        public var volumeML: Double
        /// Connected components (26-connectivity) of the region.
        public var lesions: Int

        enum CodingKeys: String, CodingKey {
            case volumeML = "volume_ml", lesions
        }
    }

    enum CodingKeys: String, CodingKey {
        case schema, studyID = "study_id", created, software, model, device, input
        case labelConvention = "label_convention", minLesionVoxels = "min_lesion_voxels"
        case minLesionFraction = "min_lesion_fraction", enclosedCoreFraction = "enclosed_core_fraction"
        case isolatedEnhancementShare = "isolated_enhancement_share", faintOedemaFraction = "faint_oedema_fraction"
        case timingsMS = "timings_ms", regions, evaluation, anomaly
    }
}

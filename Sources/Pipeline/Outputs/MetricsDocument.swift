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
    public var timingsMS: [String: Double]
    public var regions: [String: RegionSummary]
    public var evaluation: Evaluation?

    public struct Software: Codable, Sendable {
        public var name: String
        public var version: String
    }

    public struct ModelInfo: Codable, Sendable {
        public var name: String
        public var sha256: String
        /// What the model was trained on, from the weights file's metadata.
        public var trainingData: String?

        enum CodingKeys: String, CodingKey {
            case name, sha256, trainingData = "training_data"
        }
    }

    public struct InputInfo: Codable, Sendable {
        public var shape: [Int]
        public var spacingMM: [Double]
        /// File name per modality (t1, t1ce, t2, flair) and of the ground truth when present.
        public var files: [String: String]

        enum CodingKeys: String, CodingKey {
            case shape, spacingMM = "spacing_mm", files
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
        case labelConvention = "label_convention", timingsMS = "timings_ms", regions, evaluation
    }
}

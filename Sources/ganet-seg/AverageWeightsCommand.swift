import ArgumentParser
import Networks

struct AverageWeights: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Average the weights of models of one architecture (a model soup of fine-tuned runs).",
        discussion: """
            Writes the element-wise weighted mean of the models' tensors. Runs fine-tuned from one \
            start can be averaged into one model; models trained apart generally cannot. The output \
            keeps the first model's architecture metadata and records its parts in 'averaged_from'.
            """)

    @Argument(help: "Two or more .safetensors models of one architecture.")
    var models: [String]

    @Option(help: "Comma-separated shares, one per model, summing to 1 (default: equal).")
    var shares: String?

    @Option(help: "What the averaged model was trained on (its training_data metadata; default: the first model's).")
    var dataDescription: String?

    @Option(help: "Where to write the averaged weights (.safetensors).")
    var output: String

    @Option(help: "Store weights as f32 or f16.") var weightsType: WeightType = .f32

    func validate() throws {
        guard models.count >= 2 else { throw ValidationError("give at least two models to average") }
        if let shares, parsedShares(shares) == nil {
            throw ValidationError("--shares must be \(models.count) comma-separated numbers, got '\(shares)'")
        }
    }

    private func parsedShares(_ text: String) -> [Double]? {
        let values = text.split(separator: ",", omittingEmptySubsequences: false).map { Double($0) }
        return values.count == models.count && values.allSatisfy({ $0 != nil }) ? values.map { $0! } : nil
    }

    func run() throws {
        try reportingErrors {
            let weights = shares.flatMap(parsedShares) ?? Array(repeating: 1 / Double(models.count), count: models.count)
            let loaded = try models.map { (path: $0, contents: try SafeTensors.read(path: $0)) }
            let tensors = try WeightAveraging.average(loaded, shares: weights)
            var metadata = loaded[0].contents.metadata.filter { !["epochs", "validation_dice"].contains($0.key) }
            if let dataDescription { metadata["training_data"] = dataDescription }
            metadata["averaged_from"] = zip(loaded, weights).map { model, share in
                "\(format(share, 4)) x \(model.path.split(separator: "/").last!) (sha256 \(model.contents.sha256))"
            }.joined(separator: " + ")
            try SafeTensors.write(tensors, as: weightsType, metadata: metadata, to: output)
            log("averaged \(models.count) models into \(output)")
        }
    }
}

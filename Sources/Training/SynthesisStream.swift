import Pipeline
import Randomness
import Synthesis
import Volumes

/// Training slices from studies synthesised on the fly (nothing written to disk).
///
/// A pool of preprocessed synthetic studies (the product's own preprocessing, so training sees
/// exactly what inference sees) is kept in memory; every `refreshEvery` draws, the oldest study is
/// replaced by a new one from a recipe chosen by weight. Each draw takes a random pool study and one
/// of its tumour slices (`tumourSliceShare` of the time) or any brain slice.
///
/// The stream has no state worth a checkpoint: a resumed run continues the weights, the optimiser and
/// the learning-rate schedule, and starts a fresh stream (the same recipes, seeded by the run's
/// seed and the epoch it resumes at).
public final class SynthesisStream: SliceSource {
    /// A way to make a study, and how often to use it relative to the others.
    public struct Recipe: Sendable {
        public var name: String
        public var weight: Double
        public var make: @Sendable (inout RandomSource) -> SynthesizedStudy

        public init(name: String, weight: Double, make: @escaping @Sendable (inout RandomSource) -> SynthesizedStudy) {
            self.name = name
            self.weight = weight
            self.make = make
        }

        /// One of `recipes` (at least one with a positive weight), chosen with probability
        /// proportional to its weight.
        public static func draw(from recipes: [Recipe], using rng: inout RandomSource) -> Recipe {
            var pick = rng.uniform(0...recipes.reduce(0) { $0 + $1.weight })
            for r in recipes where r.weight > 0 {
                if pick < r.weight { return r }
                pick -= r.weight
            }
            return recipes.last { $0.weight > 0 }!
        }
    }

    public let recipes: [Recipe]
    public let refreshEvery: Int
    public let tumourSliceShare: Double
    /// Nominal slices per pass: what an epoch means here when `samplesPerEpoch` is 0.
    public let sliceCount: Int
    private let preprocessor = Preprocessor()
    private var pool: [(study: PreprocessedStudy, tumourSlices: [Int])] = []
    private var rng: RandomSource
    private var draws = 0
    private var oldest = 0
    /// Studies synthesised so far, and the recipe names they came from (for the log).
    public private(set) var made: [String: Int] = [:]

    /// Builds the first pool; `onStudy(done, total)` reports progress. Throws when a recipe makes a
    /// study without brain (a broken source), rather than drawing from an incomplete pool.
    public init(recipes: [Recipe], poolSize: Int, refreshEvery: Int, tumourSliceShare: Double = 0.75, seed: UInt64,
                onStudy: (Int, Int) -> Void = { _, _ in }) throws {
        precondition(!recipes.isEmpty && recipes.allSatisfy { $0.weight >= 0 } && recipes.contains { $0.weight > 0 },
                     "at least one recipe with a positive weight")
        precondition(poolSize >= 1 && refreshEvery >= 1)
        self.recipes = recipes
        self.refreshEvery = refreshEvery
        self.tumourSliceShare = tumourSliceShare
        sliceCount = poolSize * 64
        rng = RandomSource(seed: seed ^ 0x5EED_5EED)
        while pool.count < poolSize {
            pool.append(try makeStudy())
            onStudy(pool.count, poolSize)
        }
    }

    public func beginEpoch(using rng: inout RandomSource) {}

    public func next(using rng: inout RandomSource) -> SliceSample {
        draws += 1
        // A later failure keeps the pool as it is (the first fill showed every recipe works).
        if draws % refreshEvery == 0, let fresh = try? makeStudy() {
            pool[oldest] = fresh
            oldest = (oldest + 1) % pool.count
        }
        let (study, tumourSlices) = pool[Int(rng.next() % UInt64(pool.count))]
        let candidates = !tumourSlices.isEmpty && rng.uniform(0...1) < tumourSliceShare ? tumourSlices : study.brainSlices
        let z = candidates[Int(rng.next() % UInt64(candidates.count))]
        return SliceSample(image: study.slice(z), classes: study.labelSlice(z)!.map(trainingClass(ofLabel:)),
                           height: study.height, width: study.width)
    }

    /// One new preprocessed study from a recipe drawn by weight.
    private func makeStudy() throws -> (study: PreprocessedStudy, tumourSlices: [Int]) {
        let recipe = Recipe.draw(from: recipes, using: &rng)
        let synthetic = recipe.make(&rng)
        made[recipe.name, default: 0] += 1
        let geometry = Geometry.bratsOrder(dims: synthetic.dims)
        let study = try preprocessor.prepare(id: synthetic.id, geometry: geometry, images: synthetic.images,
                                             labels: synthetic.classes)
        let plane = study.width * study.height
        let tumourSlices = study.brainSlices.filter { z in
            study.labels![z * plane..<(z + 1) * plane].contains { $0 != 0 }
        }
        return (study, tumourSlices)
    }
}

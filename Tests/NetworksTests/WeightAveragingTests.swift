import Networks
import Testing

@Suite struct WeightAveragingTests {
    func model(_ tensors: [NamedTensor]) -> SafeTensors.Contents {
        SafeTensors.Contents(tensors: tensors, metadata: [:], sha256: "")
    }

    let a = [NamedTensor(name: "b", shape: [2], values: [1, -2]), NamedTensor(name: "w", shape: [1, 2], values: [4, 8])]
    let b = [NamedTensor(name: "b", shape: [2], values: [5, 2]), NamedTensor(name: "w", shape: [1, 2], values: [0, 0])]

    /// 0.25 x a + 0.75 x b, by hand: b = (4, 1), w = (1, 2).
    @Test func weightedMeanTensorByTensor() throws {
        let mean = try WeightAveraging.average([("a", model(a)), ("b", model(b))], shares: [0.25, 0.75])
        #expect(mean == [NamedTensor(name: "b", shape: [2], values: [4, 1]), NamedTensor(name: "w", shape: [1, 2], values: [1, 2])])
    }

    @Test func modelsOfAnotherArchitectureOrBadSharesAreRefused() {
        func refusal(_ second: [NamedTensor], shares: [Double] = [0.5, 0.5]) -> WeightAveraging.Error? {
            do { _ = try WeightAveraging.average([("a", model(a)), ("b", model(second))], shares: shares) } catch {
                return error as? WeightAveraging.Error
            }
            return nil
        }
        #expect(refusal([b[0]])?.description == "b: not the same architecture as the first model: it has no tensor w")
        #expect(refusal(b + [NamedTensor(name: "x", shape: [1], values: [0])])?.description
                == "b: not the same architecture as the first model: it has a tensor x that the first has not")
        #expect(refusal([b[0], NamedTensor(name: "w", shape: [2, 1], values: [0, 0])])?.description
                == "b: not the same architecture as the first model: tensor w has shape [2, 1], the first's [1, 2]")
        #expect(refusal(b, shares: [0.5, 0.6])?.description == "bad shares: 0.5,0.6 must be positive and sum to 1")
        #expect(refusal(b, shares: [1])?.description == "bad shares: 1 shares for 2 models")
        #expect(throws: WeightAveraging.Error.tooFewModels(1)) {
            try WeightAveraging.average([("a", model(a))], shares: [1])
        }
    }
}

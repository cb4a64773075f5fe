/// The area under the ROC curve of a score that should rank `positives` above `negatives`: the
/// probability that a random positive scores higher than a random negative, ties counting half
/// (the Mann-Whitney U statistic over the pairs). 0.5 is chance, 1 a perfect ranking; nil when
/// either side is empty. Sorting makes it O(n log n).
public func areaUnderROC(positives: [Double], negatives: [Double]) -> Double? {
    guard !positives.isEmpty, !negatives.isEmpty else { return nil }
    let sortedNegatives = negatives.sorted()
    var wins = 0.0
    for p in positives {
        let below = lowerBound(sortedNegatives, p)
        let tied = lowerBound(sortedNegatives, p.nextUp) - below
        wins += Double(below) + 0.5 * Double(tied)
    }
    return wins / (Double(positives.count) * Double(negatives.count))
}

/// The index of the first element of `sorted` that is not below `value`.
private func lowerBound(_ sorted: [Double], _ value: Double) -> Int {
    var (low, high) = (0, sorted.count)
    while low < high {
        let mid = (low + high) / 2
        if sorted[mid] < value { low = mid + 1 } else { high = mid }
    }
    return low
}

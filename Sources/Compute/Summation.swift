/// `term(0) + ... + term(count - 1)`, fast and accurate: eight Float lanes per block of 512
/// terms (independent accumulators, so the loop vectorises instead of waiting on one add
/// chain), block totals added in Double.
@inline(__always)
func blockSum(_ count: Int, _ term: (Int) -> Float) -> Double {
    var total = 0.0
    var start = 0
    while start < count {
        let end = min(count, start + 512)
        var lanes = SIMD8<Float>()
        var i = start
        while i + 8 <= end {
            lanes += SIMD8(term(i), term(i + 1), term(i + 2), term(i + 3),
                           term(i + 4), term(i + 5), term(i + 6), term(i + 7))
            i += 8
        }
        var block = Double(lanes.sum())
        while i < end { block += Double(term(i)); i += 1 }
        total += block
        start = end
    }
    return total
}

/// Distances between the surfaces of two masks, weighted by surface-element area, exactly as
/// DeepMind's `compute_surface_distances`: surface points are the corners of the voxel lattice
/// whose 2x2x2 neighbourhood is neither empty nor full, and distances run between such corners.
struct SurfaceDistances: Sendable {
    /// One surface element: its distance to the other surface (mm) and its area (mm^2).
    typealias Surfel = (distance: Double, area: Double)

    let referenceToPrediction: [Surfel]
    let predictionToReference: [Surfel]

    /// The masks are given on the grid of a box that holds every set voxel of both.
    init(reference: [Bool], prediction: [Bool], grid: Grid, spacing: [Double]) {
        let table = SurfelAreaTable(spacing: spacing)
        let lattice = Grid(nx: grid.nx + 1, ny: grid.ny + 1, nz: grid.nz + 1)
        let refCodes = Self.neighbourCodes(reference, grid: grid, lattice: lattice)
        let predCodes = Self.neighbourCodes(prediction, grid: grid, lattice: lattice)
        let refBorder = refCodes.map { $0 != 0 && $0 != 255 }
        let predBorder = predCodes.map { $0 != 0 && $0 != 255 }
        let toRef = DistanceTransform.squared(features: refBorder, grid: lattice, spacing: spacing)
        let toPred = DistanceTransform.squared(features: predBorder, grid: lattice, spacing: spacing)
        referenceToPrediction = refBorder.indices.compactMap {
            refBorder[$0] ? (toPred[$0].squareRoot(), table.areas[Int(refCodes[$0])]) : nil
        }
        predictionToReference = predBorder.indices.compactMap {
            predBorder[$0] ? (toRef[$0].squareRoot(), table.areas[Int(predCodes[$0])]) : nil
        }
    }

    /// The larger of the two directed `percent`-th percentiles (robust Hausdorff distance);
    /// infinite when either surface is empty.
    func robustHausdorff(percent: Double) -> Double {
        max(Self.percentile(referenceToPrediction, percent), Self.percentile(predictionToReference, percent))
    }

    /// The distance at which the cumulative area fraction first reaches `percent` (numpy's
    /// `searchsorted` on the cumulative sum, sorted by distance then area as the reference does).
    private static func percentile(_ surfels: [Surfel], _ percent: Double) -> Double {
        guard !surfels.isEmpty else { return .infinity }
        let sorted = surfels.sorted { ($0.distance, $0.area) < ($1.distance, $1.area) }
        let total = pairwiseSum(sorted.map(\.area))
        let target = percent / 100
        var cumulative = 0.0
        for s in sorted {
            cumulative += s.area
            if cumulative / total >= target { return s.distance }
        }
        return sorted[sorted.count - 1].distance
    }

    /// Corner-lattice codes: the corner (i, j, k) sees voxels (i-1...i, j-1...j, k-1...k) of the
    /// box, weighted 128 for (i-1, j-1, k-1) down to 1 for (i, j, k), x the most significant;
    /// voxels outside the box count as background.
    private static func neighbourCodes(_ mask: [Bool], grid: Grid, lattice: Grid) -> [UInt8] {
        // Voxel (x, y, z) sits at offset (a, b, c) = corner - voxel + 1 of corners x...x+1.
        var cornerOffsets: [Int] = [], bits: [UInt8] = []
        for c in 0 ... 1 {
            for b in 0 ... 1 {
                for a in 0 ... 1 {
                    cornerOffsets.append(lattice.index(1 - a, 1 - b, 1 - c))
                    bits.append(UInt8(1 << (7 - (4 * a + 2 * b + c))))
                }
            }
        }
        var codes = [UInt8](repeating: 0, count: lattice.count)
        codes.withUnsafeMutableBufferPointer { codes in
            for z in 0 ..< grid.nz {
                for y in 0 ..< grid.ny {
                    for x in 0 ..< grid.nx where mask[grid.index(x, y, z)] {
                        let base = lattice.index(x, y, z)
                        for n in 0 ..< 8 { codes[base + cornerOffsets[n]] |= bits[n] }
                    }
                }
            }
        }
        return codes
    }
}

/// numpy's pairwise summation (as `np.sum` does on a contiguous float64 array), so that totals
/// round exactly as the reference's do.
func pairwiseSum(_ values: [Double]) -> Double {
    values.withUnsafeBufferPointer { pairwiseSum($0[...]) }
}

private func pairwiseSum(_ a: Slice<UnsafeBufferPointer<Double>>) -> Double {
    let n = a.count, s = a.startIndex
    if n < 8 {
        var sum = 0.0
        for v in a { sum += v }
        return sum
    }
    if n <= 128 {
        var r = (0 ..< 8).map { a[s + $0] }
        var i = 8
        while i < n - n % 8 {
            for j in 0 ..< 8 { r[j] += a[s + i + j] }
            i += 8
        }
        var sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n {
            sum += a[s + i]
            i += 1
        }
        return sum
    }
    var half = n / 2
    half -= half % 8
    return pairwiseSum(a[s ..< s + half]) + pairwiseSum(a[(s + half)...])
}

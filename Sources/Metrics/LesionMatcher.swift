/// The BraTS 2023 lesion-wise procedure for one region.
///
/// Ground-truth components that fall in one component of the ground truth dilated
/// `dilationIterations` times form one lesion. A lesion's matching zone is the lesion dilated as
/// often, which is exactly that dilated component (every dilated voxel lies within reach of a
/// ground-truth voxel of its own component), so one dilation serves both steps. Each lesion is
/// scored against the union of the whole predicted components that touch its zone.
struct LesionMatcher {
    let prediction: Mask
    let reference: Mask
    let spacing: [Double]
    let settings: Evaluator

    struct Result {
        var dice: Double, hd95: Double
        var truePositives: Int, falseNegatives: Int, falsePositives: Int
    }

    func match() -> Result {
        let grid = reference.grid
        let predicted = ConnectedComponents(prediction)
        let zones = ConnectedComponents(Dilation.dilate(reference, iterations: settings.dilationIterations))

        // Per zone: lesion voxels, their box, and which predicted components touch the zone.
        var lesionSize = [Int](repeating: 0, count: zones.count + 1)
        var lesionBox = [Box?](repeating: nil, count: zones.count + 1)
        var touching = [Set<Int32>](repeating: [], count: zones.count + 1)
        var componentSize = [Int](repeating: 0, count: predicted.count + 1)
        var componentBox = [Box?](repeating: nil, count: predicted.count + 1)
        var lastPair = (zone: 0, component: Int32(0))  // runs of one pair skip the set insert
        for i in 0 ..< grid.count {
            let zone = Int(zones.labels[i]), component = predicted.labels[i]
            if component != 0 {
                componentSize[Int(component)] += 1
                componentBox[Int(component)].include(grid.coordinates(i))
                if zone != 0 && lastPair != (zone, component) {
                    touching[zone].insert(component)
                    lastPair = (zone, component)
                }
            }
            if reference.voxels[i] {
                lesionSize[zone] += 1
                lesionBox[zone].include(grid.coordinates(i))
            }
        }

        var result = Result(dice: 0, hd95: 0, truePositives: 0, falseNegatives: 0, falsePositives: 0)
        var matched = Set<Int32>()
        let voxelVolume = spacing[0] * spacing[1] * spacing[2]
        for zone in 1 ..< zones.count + 1 {
            matched.formUnion(touching[zone])
            // Small lesions are left out, but predictions touching them are not false positives.
            guard Double(lesionSize[zone]) * voxelVolume > settings.smallLesionVolume else { continue }
            let components = touching[zone]
            if components.isEmpty {
                result.falseNegatives += 1
                result.hd95 += missingDistancePenalty
                continue
            }
            result.truePositives += 1
            var box = lesionBox[zone]!
            var inUnion = [Bool](repeating: false, count: predicted.count + 1)
            for c in components {
                box = box.union(componentBox[Int(c)]!)
                inUnion[Int(c)] = true
            }
            let lesion = box.crop(from: grid) { zones.labels[$0] == Int32(zone) && reference.voxels[$0] }
            let union = box.crop(from: grid) { inUnion[Int(predicted.labels[$0])] }
            let overlap = zip(lesion, union).reduce(0) { $0 + ($1.0 && $1.1 ? 1 : 0) }
            let unionSize = components.reduce(0) { $0 + componentSize[Int($1)] }
            result.dice += diceScore(intersection: overlap, sizes: lesionSize[zone], unionSize)!
            result.hd95 += hd95(reference: lesion, prediction: union, grid: box.grid, spacing: spacing)
        }
        result.falsePositives = predicted.count - matched.count
        result.hd95 += Double(result.falsePositives) * missingDistancePenalty

        let scored = result.truePositives + result.falseNegatives + result.falsePositives
        if scored == 0 {
            (result.dice, result.hd95) = (1, 0)  // nothing to find and nothing found
        } else {
            result.dice /= Double(scored)
            result.hd95 /= Double(scored)
        }
        return result
    }
}

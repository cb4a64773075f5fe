/// Which axial slices a report shows.
enum SliceSelection {
    /// Tumour voxel count (any BraTS tumour label) of each axial slice.
    static func tumourArea(of input: ReportInput) -> [Int] {
        let sliceSize = input.dims[0] * input.dims[1]
        return (0..<input.dims[2]).map { z in
            input.labels[z * sliceSize..<(z + 1) * sliceSize].reduce(0) { $0 + (TumourClass(label: $1) == nil ? 0 : 1) }
        }
    }

    /// Up to `count` slices for the overview, ascending.
    ///
    /// With tumour: the tumour's z extent is cut into `count` equal bands and each band contributes its
    /// largest-area slice, so the montage shows the most affected slices across the whole lesion rather than
    /// `count` near-identical neighbours of the maximum. Without tumour: evenly spaced slices containing brain.
    static func overview(of input: ReportInput, area: [Int], count: Int) -> [Int] {
        let tumourSlices = area.indices.filter { area[$0] > 0 }
        if let first = tumourSlices.first, let last = tumourSlices.last {
            let extent = last - first + 1, bands = min(count, extent)
            return (0..<bands).compactMap { band in
                let slices = (first + band * extent / bands)..<(first + (band + 1) * extent / bands)
                // Largest area; on ties the lower slice.
                return slices.filter { area[$0] > 0 }.max { area[$0] < area[$1] || (area[$0] == area[$1] && $0 > $1) }
            }
        }
        let brain = brainSlices(of: input)
        guard brain.count > count else { return brain }
        return (0..<count).map { brain[($0 * 2 + 1) * brain.count / (2 * count)] }
    }

    /// At most `count` of `slices` (ascending), evenly spaced and including the first and the last.
    static func evenlySpaced(_ slices: [Int], count: Int) -> [Int] {
        guard slices.count > count else { return slices }
        precondition(count > 1, "an evenly spaced selection needs room for the first and the last")
        return (0..<count).map { slices[$0 * (slices.count - 1) / (count - 1)] }
    }

    /// Slices with any brain signal (FLAIR or T1ce above 0); all slices when nothing is above 0.
    static func brainSlices(of input: ReportInput) -> [Int] {
        let sliceSize = input.dims[0] * input.dims[1]
        let slices = (0..<input.dims[2]).filter { z in
            (z * sliceSize..<(z + 1) * sliceSize).contains { input.flair[$0] > 0 || input.t1ce[$0] > 0 }
        }
        return slices.isEmpty ? Array(0..<input.dims[2]) : slices
    }
}

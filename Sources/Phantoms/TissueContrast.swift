/// Relative signal of each tissue and tumour compartment in each modality (white matter in T1 = 1).
///
/// The ordering follows the usual appearance of a glioblastoma: enhancing tumour bright on T1ce,
/// oedema bright on T2 and FLAIR, necrosis dark on T1/T1ce and bright on T2, CSF suppressed on
/// FLAIR. Values are plausible, not calibrated to any scanner.
struct TissueContrast {
    var whiteMatter: Double
    var greyMatter: Double
    var csf: Double
    var edema: Double
    var enhancing: Double
    var necrosis: Double

    /// T1, T1ce, T2, FLAIR.
    static let standard: [TissueContrast] = [
        TissueContrast(whiteMatter: 1.0, greyMatter: 0.75, csf: 0.30, edema: 0.62, enhancing: 0.72, necrosis: 0.35),
        TissueContrast(whiteMatter: 1.0, greyMatter: 0.78, csf: 0.30, edema: 0.66, enhancing: 1.60, necrosis: 0.30),
        TissueContrast(whiteMatter: 0.45, greyMatter: 0.65, csf: 1.40, edema: 1.15, enhancing: 0.90, necrosis: 1.30),
        TissueContrast(whiteMatter: 0.60, greyMatter: 0.75, csf: 0.15, edema: 1.45, enhancing: 1.10, necrosis: 0.70),
    ]

    /// Normal-tissue signal from tissue fractions.
    @inline(__always) func normal(gm: Double, wm: Double) -> Double {
        let csfFraction = max(0, 1 - gm - wm)
        return gm * greyMatter + wm * whiteMatter + csfFraction * csf
    }
}

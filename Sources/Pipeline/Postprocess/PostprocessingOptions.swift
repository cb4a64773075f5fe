/// Settings of the post-processing rules (`Postprocessor`), held as one value by the segmenter, the
/// `segment` command and the daemon's config. Each rule turns off at 0; the defaults were chosen
/// on real scans (docs/results.md).
public struct PostprocessingOptions: Sendable, Equatable {
    /// Components (26-connected) of fewer voxels leave their region; 0 keeps all. The BraTS 2023
    /// lesion-wise metrics ignore reference lesions under 50 voxels as too small to count; a
    /// predicted speck under that size is noise. (On four validation phantoms, `synth --seed 500`,
    /// it alone removed about 90% of the phantom-trained model's stray components and kept a
    /// 70-voxel satellite lesion; applied per region, every false-positive ET and TC lesion of the
    /// ten held-out phantoms.)
    public var minimumLesionVoxels: Int
    /// Components under this share of their region's largest leave it too. The expert and
    /// consensus references of the seven real gliomas the default model was trained on (six BRATS
    /// 2013 cases, TCGA-FG-6692) each have one dominant whole-tumour component, every other one
    /// under 4% of it, while the network's stray components on real scans are many.
    public var minimumLesionFraction: Double
    /// Enhancing components with at least this share of background around them are removed
    /// (`LabelMap.removingIsolatedEnhancement`). 0.9 lies above the share of every real enhancing
    /// component measured: at most 0.35 in the expert and consensus references, 0.64 for a
    /// metastasis at the brain's surface; the superior sagittal sinus that the default model marked
    /// on the held-out real study had 0.95.
    public var isolatedEnhancementShare: Double
    /// Oedema that core meets along at least this share of 26 rays becomes necrotic core
    /// (`LabelMap.fillingEnclosedCore`). 0.8, chosen without the held-out real study, is the
    /// smallest share at which the rule lowered no tumour-core Dice by more than 0.005 on the real
    /// training study, the metastasis study, the held-out phantoms, or the six BRATS 2013 expert
    /// labels themselves.
    public var enclosedCoreFraction: Double
    /// Oedema at the tumour's border below this fraction of the way from normal brain to the
    /// oedema on FLAIR is removed (`LabelMap.removingFaintOedema`). 0.3, chosen without the
    /// held-out real study, is the largest fraction at which each of the six BRATS 2013 expert
    /// labels, put through the rule, keeps a whole-tumour Dice of at least 0.97 to itself (and the
    /// real training study's whole-tumour Dice did not fall).
    public var faintOedemaFraction: Double

    public init(minimumLesionVoxels: Int = 50, minimumLesionFraction: Double = 0.1,
                isolatedEnhancementShare: Double = 0.9, enclosedCoreFraction: Double = 0.8,
                faintOedemaFraction: Double = 0.3) {
        self.minimumLesionVoxels = minimumLesionVoxels
        self.minimumLesionFraction = minimumLesionFraction
        self.isolatedEnhancementShare = isolatedEnhancementShare
        self.enclosedCoreFraction = enclosedCoreFraction
        self.faintOedemaFraction = faintOedemaFraction
    }
}

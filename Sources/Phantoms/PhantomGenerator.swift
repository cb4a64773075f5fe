import Dispatch
import Glibc
import Platform
import Randomness
import Volumes

/// One synthetic study: four modalities and BraTS 2020 labels (1 NCR, 2 ED, 4 ET) on one grid.
public struct Phantom: Sendable {
    public let id: String
    public let geometry: Geometry
    /// T1, T1ce, T2, FLAIR: scanner-like intensities (non-negative, stored as int16).
    public let images: [[Float]]
    public let labels: [Float]

    /// File-name suffixes of the BraTS 2020 naming, in image order, then the labels.
    public static let suffixes = ["_t1", "_t1ce", "_t2", "_flair"]

    /// Writes `<dir>/<id>/<id>_t1.nii.gz` ... and `<id>_seg.nii.gz`.
    public func write(into directory: String) throws {
        let folder = directory + "/" + id
        do { try FileSystem.makeDirectories(folder) } catch {
            throw VolumeError.writeFailed(path: folder, reason: String(cString: strerror(error.code)))
        }
        let writer = NIfTIWriter()
        for (suffix, image) in zip(Self.suffixes, images) {
            try writer.write(image, like: geometry, as: .int16, to: "\(folder)/\(id)\(suffix).nii.gz")
        }
        try writer.write(labels, like: geometry, as: .uint8, to: "\(folder)/\(id)_seg.nii.gz")
    }
}

/// Builds BraTS-format phantoms from real normal anatomy (the ICBM152 template), with synthetic
/// gliomas and scanner effects; deterministic per seed.
///
/// Each study resamples the template with a random rotation, scale and shift onto the requested
/// grid (spacing chosen so the brain fits), mixes tissue contrasts per modality, inserts a tumour
/// (necrotic core, enhancing rim, oedema; sometimes a satellite lesion), then applies a smooth bias
/// field, an intensity scale and Rician noise per modality. Outside the brain stays 0, as in
/// skull-stripped BraTS data.
public struct PhantomGenerator: Sendable {
    public let template: Template

    public init(template: Template) {
        self.template = template
    }

    /// The phantom numbered `index` of the series `seed`.
    public func make(seed: UInt64, index: Int, shape: [Int], normal: Bool) -> Phantom {
        var rng = RandomSource(seed: seed &* 0x9E37_79B9 &+ UInt64(index) &* 0x85EB_CA6B &+ 1)
        let template = self.template
        let spacing = (0..<3).map { max(1.0, template.brainExtent[$0] * 1.1 / Double(shape[$0])) }
        let origin = (0..<3).map { -Double(shape[$0] - 1) / 2 * spacing[$0] }
        let geometry = Geometry.axisAligned(dims: shape, spacing: spacing, origin: origin)
        let pose = Pose.random(using: &rng)
        let tumours = normal ? [] : placeTumours(pose: pose, using: &rng)
        let contrast = TissueContrast.standard.map { c -> TissueContrast in
            var c = c
            c.enhancing *= rng.uniform(0.85...1.15)
            c.edema *= rng.uniform(0.92...1.08)
            return c
        }
        let scanner = (0..<4).map { _ in ScannerEffects.random(shape: shape, spacing: spacing, using: &rng) }
        let noiseSeed = rng.next()

        let plane = shape[0] * shape[1]
        let count = plane * shape[2]
        // Channels 0-3 are the modalities, channel 4 the labels; slices are filled in parallel.
        var volume = [Float](repeating: 0, count: 5 * count)
        volume.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            DispatchQueue.concurrentPerform(iterations: shape[2]) { z in
                var noise = RandomSource(seed: noiseSeed &+ UInt64(z) &* 0x2545_F491_4F6C_DD1D)
                for y in 0..<shape[1] {
                    for x in 0..<shape[0] {
                        let p = [origin[0] + Double(x) * spacing[0], origin[1] + Double(y) * spacing[1],
                                 origin[2] + Double(z) * spacing[2]]
                        let q = pose.templateCoordinates(p, template: template)
                        let (t1, gm, wm) = template.sample(q[0], q[1], q[2])
                        guard t1 > 0.02 else { continue }
                        let (g, w) = (Double(gm), Double(wm))
                        var signal = contrast.map { $0.normal(gm: g, wm: w) }
                        // The T1 channel keeps the template's own fine anatomical detail.
                        signal[0] *= Double(t1) / max(0.05, 0.86 * contrast[0].normal(gm: g, wm: w) / contrast[0].whiteMatter)
                        var label: UInt8 = 0
                        for tumour in tumours {
                            let d = tumour.normalisedDistance(p)
                            guard d < 3 else { continue }
                            let weight = tumour.weights(distance: d, wm: w)
                            let texture = 1 + 0.06 * noise.gaussian()
                            for m in 0..<4 {
                                let c = contrast[m]
                                let core = (tumour.enhances ? c.enhancing : c.necrosis * 1.2) * (1 - weight.necrosis)
                                    + c.necrosis * weight.necrosis
                                let lesion = c.edema * (1 - weight.core) + core * weight.core
                                signal[m] = signal[m] * (1 - weight.edema) + lesion * texture * weight.edema
                            }
                            let l = tumour.label(distance: d, wm: w)
                            label = max(label, l == 4 ? 3 : l == 2 ? 1 : l == 1 ? 2 : 0)
                        }
                        let i = x + shape[0] * y + plane * z
                        out[4 * count + i] = Float([0, 2, 1, 4][Int(label)])   // priority ED < NCR < ET
                        for m in 0..<4 {
                            let v = scanner[m].apply(signal[m], x: x, y: y, z: z, noise: &noise)
                            out[m * count + i] = max(1, min(32767, v.rounded()))
                        }
                    }
                }
            }
        }
        let images = (0..<4).map { Array(volume[$0 * count..<($0 + 1) * count]) }
        let labels = Array(volume[4 * count..<5 * count])
        let id = "Phantom\(normal ? "Normal" : "")_\(seed)_\(String(format3(index)))"
        return Phantom(id: id, geometry: geometry, images: images, labels: labels)
    }

    /// A main tumour in the brain's central region and, sometimes, a small satellite lesion.
    private func placeTumours(pose: Pose, using rng: inout RandomSource) -> [Tumour] {
        let extent = template.brainExtent
        var centre = [0.0, 0, 0]
        for _ in 0..<200 {
            centre = (0..<3).map { rng.uniform(-0.25...0.25) * extent[$0] }
            let q = pose.templateCoordinates(centre, template: template)
            let (t1, _, wm) = template.sample(q[0], q[1], q[2])
            if t1 > 0.1 && wm > 0.4 { break }
        }
        var tumours = [Tumour.random(centre: centre, radius: rng.uniform(7...20), using: &rng)]
        if rng.uniform(0...1) < 0.3 {
            let main = tumours[0]
            var direction = (0..<3).map { _ in rng.gaussian() }
            let n = sqrt(direction.reduce(0) { $0 + $1 * $1 })
            direction = direction.map { $0 / n }
            let distance = main.radius * rng.uniform(1.8...2.6)
            let satelliteCentre = (0..<3).map { main.centre[$0] + direction[$0] * distance }
            var satellite = Tumour.random(centre: satelliteCentre, radius: rng.uniform(3...6), using: &rng)
            satellite.edemaReach = rng.uniform(1.3...1.8)
            tumours.append(satellite)
        }
        return tumours
    }
}

/// Where the template sits in a phantom: a random rotation (mostly about z), scale and shift.
struct Pose: Sendable {
    var rotation: [[Double]]
    var scale: [Double]
    var shift: [Double]

    static func random(using rng: inout RandomSource) -> Pose {
        let az = rng.uniform(-0.12...0.12), ax = rng.uniform(-0.06...0.06)
        let (cz, sz, cx, sx) = (cos(az), sin(az), cos(ax), sin(ax))
        // R = Rz * Rx
        let rotation = [[cz, -sz * cx, sz * sx], [sz, cz * cx, -cz * sx], [0, sx, cx]]
        return Pose(rotation: rotation,
                    scale: (0..<3).map { _ in rng.uniform(0.92...1.05) },
                    shift: (0..<3).map { _ in rng.uniform(-4...4) })
    }

    /// Template voxel coordinates of world point `p` (the inverse of scale-then-rotate-then-shift).
    @inline(__always) func templateCoordinates(_ p: [Double], template: Template) -> [Double] {
        let d = (0..<3).map { p[$0] - shift[$0] }
        // R is orthonormal: its inverse is its transpose.
        return (0..<3).map { a in
            (rotation[0][a] * d[0] + rotation[1][a] * d[1] + rotation[2][a] * d[2]) / scale[a]
                + template.brainCentre[a]
        }
    }
}

/// Per-modality acquisition effects: overall scale, a smooth multiplicative bias field (separable,
/// so it costs three table look-ups per voxel) and Rician noise.
struct ScannerEffects: Sendable {
    var scale: Double
    var noiseSigma: Double
    var biasX: [Double], biasY: [Double], biasZ: [Double]

    static func random(shape: [Int], spacing: [Double], using rng: inout RandomSource) -> ScannerEffects {
        func profile(_ n: Int, _ step: Double) -> [Double] {
            let amplitude = rng.uniform(0.03...0.1), wavelength = rng.uniform(150...320)
            let phase = rng.uniform(0...(2 * Double.pi))
            return (0..<n).map { amplitude * sin(2 * Double.pi * Double($0) * step / wavelength + phase) }
        }
        let scale = rng.uniform(500...1500)
        return ScannerEffects(scale: scale, noiseSigma: scale * rng.uniform(0.01...0.04),
                              biasX: profile(shape[0], spacing[0]), biasY: profile(shape[1], spacing[1]),
                              biasZ: profile(shape[2], spacing[2]))
    }

    @inline(__always) func apply(_ signal: Double, x: Int, y: Int, z: Int, noise: inout RandomSource) -> Float {
        let clean = signal * scale * exp(biasX[x] + biasY[y] + biasZ[z])
        let re = clean + noiseSigma * noise.gaussian(), im = noiseSigma * noise.gaussian()
        return Float(sqrt(re * re + im * im))
    }
}

private func format3(_ n: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, 3 - s.count)) + s
}

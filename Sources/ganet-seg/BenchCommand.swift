import ArgumentParser
import Compute
import Devices
import Glibc
import Metrics
import Networks
import Pipeline
import Platform
import Reports
import Volumes
import VulkanBackend

struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the stages of segmenting one study and the U-Net forward alone (use a release build).",
        discussion: """
            Prints, per stage, the minimum and median wall time over --repeat runs; for the U-Net, \
            seconds per slice and GFLOP/s against the machine's OpenBLAS SGEMM rate, both for a whole \
            prediction (upload, network, download, argmax) and for the network alone on inputs already \
            on the device (as PyTorch baselines time it); and the peak resident memory of the process.
            """)

    @Argument(help: "A study folder (e.g. samples/Phantom_2026_001).")
    var study: String

    @Option(help: "Weights (.safetensors); default: the shipped model, else random weights (same speed).")
    var model: String?

    @Option(name: .customLong("repeat"), help: "Runs per stage.")
    var runs: Int = 3

    @Option(help: "Slices per U-Net batch.")
    var batchSize: Int = 8

    @Option(help: "auto, cpu, gpu, vulkan or vulkan:N (see `ganet-seg devices`).")
    var device: DeviceSelection = .auto

    @Flag(help: """
        On a Vulkan device, time one more U-Net pass per kernel (GPU timestamps) and list the kernels; \
        with GANET_SEG_PIPELINE_STATISTICS=1, also the driver's statistics of each shader (registers, spills).
        """)
    var profile = false

    @Flag(help: "Also label the slices on the CPU backend and count the voxels whose label agrees (checks a GPU's numbers).")
    var checkAgainstCPU = false

    func validate() throws {
        guard runs >= 1, batchSize >= 1 else { throw ValidationError("--repeat and --batch-size must be at least 1") }
    }

    func run() throws {
        try reportingErrors {
            let backend = try device.makeBackend()
            let loadedModel = try benchModel(backend)
            var options = SegmenterOptions()
            options.batchSize = batchSize
            let segmenter = Segmenter(model: loadedModel, options: options)
            var loaded: Study?
            var prepared: PreprocessedStudy?
            var classes: [UInt8] = []
            var mask: SegmentationMask?
            let outputFolder = "/tmp/ganet-seg-bench-\(getpid())"
            try FileSystem.makeDirectories(outputFolder)
            defer { Publisher.discard(outputFolder) }
            let predictor = SlicePredictor(model: loadedModel, batchSize: batchSize)

            // The stages are Segmenter's own, so each line times exactly what `segment` runs.
            print("study \(study), model \(loadedModel.name), \(backend.deviceName), \(runs) runs")
            print("stage                                   min (s)  median (s)")
            try time("read (4 modalities + labels)") { loaded = try segmenter.read(study) }
            try time("preprocess") { prepared = try segmenter.preprocess(loaded!) }
            let forward = try time("predict (U-Net, all brain slices)") { classes = try segmenter.predict(prepared!) }
            let residentInputs = try residentBatches(predictor, prepared!)
            let resident = try time("U-Net forward alone, input resident") { try forwardAlone(loadedModel, residentInputs) }
            // Right after the timed passes, while the GPU still runs at its working clocks.
            var kernelTimes: [VulkanBackend.KernelTime]?
            if profile, let gpu = backend as? VulkanBackend {
                try gpu.startProfiling()
                _ = predictor.predict(prepared!)
                kernelTimes = try gpu.kernelTimes()
            }
            try time("postprocess (labels, lesion filter, rules, uncrop)") { mask = segmenter.postprocess(classes, of: prepared!, from: loaded!) }
            if let truth = loaded!.groundTruth {
                try time("evaluate (BraTS WT, TC, ET)") { _ = try segmenter.evaluate(mask!, against: truth) }
            }
            try time("write (mask, report PNGs)") { try segmenter.write(loaded!, mask: mask!, anomaly: nil, into: outputFolder) }

            if let kernelTimes, let gpu = backend as? VulkanBackend { printProfile(kernelTimes, statistics: gpu.pipelineStatistics()) }
            if checkAgainstCPU {
                let reference = try benchModel(CPUBackend())
                let expected = SlicePredictor(model: reference, batchSize: batchSize).predict(prepared!)
                let agreeing = zip(classes, expected).count { $0 == $1 }
                let tumour = expected.count { $0 != 0 }
                let tumourAgreeing = zip(classes, expected).count { $0 == $1 && $1 != 0 }
                print("""
                    labels against the CPU backend: \(agreeing) of \(classes.count) voxels agree \
                    (\(format(100 * Double(agreeing) / Double(max(1, classes.count)), 4))%), \
                    \(tumourAgreeing) of its \(tumour) tumour voxels
                    """)
            }

            let p = prepared!
            let slices = p.brainSlices.count
            let flops = loadedModel.network.configuration.forwardFLOPs(height: p.height, width: p.width)
            let rate = flops * Double(slices) / forward / 1e9
            let sgemm = SGEMMProbe.gflops(m: 64, n: 57600, k: 576)
            print("""

                U-Net: \(slices) slices of \(p.width) x \(p.height), batch \(batchSize): \
                \(format(forward / Double(slices), 4)) s/slice, \(format(flops / 1e9, 2)) GFLOP/slice, \
                \(format(rate, 1)) GFLOP/s
                U-Net forward alone (input already on the device; no upload, download or argmax): \
                \(format(1000 * resident / Double(slices), 3)) ms/slice, \(format(flops * Double(slices) / resident / 1e9, 1)) GFLOP/s
                OpenBLAS SGEMM 64x576x57600: \(format(sgemm, 1)) GFLOP/s; U-Net at \(format(100 * rate / sgemm, 0))% of it
                peak resident memory: \(format(Double(peakResidentKiB()) / 1024, 0)) MiB
                """)
        }
    }

    /// One line per kind of GPU command (calls, total milliseconds, share of the total), then the
    /// driver's statistics of each shader where it reports them.
    private func printProfile(_ times: [VulkanBackend.KernelTime], statistics: [(shader: String, statistics: [String])]) {
        let total = times.reduce(0) { $0 + $1.seconds }
        print("GPU time per kernel, one more U-Net pass (timestamps; \(format(total * 1000, 1)) ms in all):")
        for time in times {
            let calls = String(time.count).padding(toLength: 7, left: true)
            let milliseconds = format(time.seconds * 1000, 2).padding(toLength: 10, left: true)
            let share = format(100 * time.seconds / max(total, 1e-12), 1).padding(toLength: 7, left: true)
            print("  \(time.label.padding(toLength: 34))\(calls)\(milliseconds) ms\(share)%")
        }
        for (shader, lines) in statistics { print("pipeline \(shader): \(lines.joined(separator: "; "))") }
    }

    /// Runs `body` --repeat times, prints min and median, returns the minimum.
    @discardableResult
    private func time(_ name: String, _ body: () throws -> Void) throws -> Double {
        var times: [Double] = []
        for _ in 0..<runs {
            let stopwatch = Stopwatch()
            try body()
            times.append(stopwatch.total)
        }
        times.sort()
        print("\(name.padding(toLength: 38))  \(format(times[0], 3).padding(toLength: 8, left: true))  \(format(times[times.count / 2], 3).padding(toLength: 10, left: true))")
        return times[0]
    }

    /// One device-resident input per U-Net batch of the study (batches of one size share theirs),
    /// uploaded and synchronised before any timing.
    private func residentBatches(_ predictor: SlicePredictor, _ study: PreprocessedStudy) throws -> [Tensor] {
        var inputs: [Int: Tensor] = [:]
        let batches = predictor.batches(of: study).map { batch in
            if let input = inputs[batch.count] { return input }
            let input = predictor.upload(SlicePredictor.input(batch, of: study), slices: batch.count, of: study)
            inputs[batch.count] = input
            return input
        }
        try predictor.model.backend.synchronize()
        return batches
    }

    /// The network alone over resident inputs, synchronising after each batch: what PyTorch
    /// baselines time as "forward" (no upload, download or argmax), so the two compare like for like.
    private func forwardAlone(_ model: SegmentationModel, _ inputs: [Tensor]) throws {
        for input in inputs {
            let g = Graph(backend: model.backend, recording: false)
            _ = model.network(g, g.constant(input))
            try model.backend.synchronize()
        }
    }

    private func benchModel(_ backend: any Backend) throws -> SegmentationModel {
        if let path = model ?? (try? DefaultModel.find()) {
            return try SegmentationModel.load(path: path, backend: backend)
        }
        return SegmentationModel(network: UNet(backend: backend), backend: backend, name: "random weights", sha256: "")
    }
}

/// VmHWM of this process (KiB), from /proc/self/status.
func peakResidentKiB() -> Int {
    guard let file = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(file) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, Int32(line.count), file) != nil {
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if text.hasPrefix("VmHWM:") { return Int(text.split(whereSeparator: \.isWhitespace).dropFirst().first ?? "0") ?? 0 }
    }
    return 0
}

extension String {
    func padding(toLength length: Int, left: Bool = false) -> String {
        let pad = String(repeating: " ", count: max(0, length - count))
        return left ? pad + self : self + pad
    }
}

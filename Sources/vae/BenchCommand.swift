import ArgumentParser
import Foundation
import VAE
import VAECPU
import VAECompute
import VAEVulkan

/// `vae bench`: kernel and training speed of a device, as a table or JSON.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure kernel and training speed.",
        discussion: """
            kernels: each kernel of a training step of the reference model (batch 128, 784-400-20), median of \
            --repetitions launches (Vulkan: GPU timestamps; CPU: wall clock), every matmul transpose variant;
            sgemm: C = A·B at --sgemm-size³, the rate the CPU's matrix products reach;
            training: one pass over --images training images, with launches, barriers, submits and host waits \
            per step, peak memory, and where the step's time goes. The peak is counted from the start of the \
            training pass, but memory the earlier parts freed may still be resident: measure `--what training` \
            alone for the training figure.
            allreduce (alone, under mpirun with a vae built with --traits MPI): the sum of --arch's gradients \
            over the ranks, as a data-parallel step makes it, timed --repetitions times after a barrier.
            """)

    @OptionGroup var deviceOptions: DeviceOptions
    @OptionGroup var dataOptions: DataOptions
    @Option(help: "What to measure: any of kernels, sgemm, training, comma-separated; or allreduce.") var what =
        "kernels,sgemm,training"
    @Option(parsing: .unconditional, help: "Launches per kernel.") var repetitions = 20
    @Option(name: .customLong("sgemm-size"), parsing: .unconditional, help: "Matrix size of the sgemm measurement.")
    var sgemmSize = 2048
    @Option(parsing: .unconditional, help: "Training images for the training measurement.") var images = 60_000
    @Option(
        help:
            "The model of the training measurement: mlp (784-400-20), conv28 or conv64 (their defaults; conv64 on synthetic:shapes unless --data says otherwise)."
    )
    var arch = "mlp"
    @Option(
        name: .customLong("data-placement"),
        help:
            "device | host | auto, or several comma-separated to compare them in one run: where the training measurement keeps its images (host: each minibatch streamed to the device)."
    )
    var dataPlacement = "auto"
    @Option(
        name: .customLong("steps-per-submit"), parsing: .unconditional,
        help:
            "Training steps recorded once and submitted together in the training measurement (default: 16 on GPUs, 1 on CPU devices)."
    )
    var stepsPerSubmit: Int?
    @Option(parsing: .unconditional, help: "CPU threads for OpenBLAS (default: OpenBLAS's own choice).") var threads:
        Int?
    @Option(
        help:
            "Matmul variant on Vulkan: auto (by shape and device), naive, 2x2, 4x4, 8x4 (no shared memory), tiled32, tiled64, tiled128 (shared-memory tiles), tiled32-split3, tiled64-split8 (split-K forced), or all (kernels and sgemm)."
    )
    var matmul = "auto"
    @Option(
        help:
            "Convolutions on Vulkan: auto (implicit GEMMs on the shared-memory tiles where the products use them, i.e. GPUs), direct (one output per invocation) or tiled."
    )
    var convolutions = "auto"
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try reportingErrors { try bench() }
    }

    func open(profiling: Bool, variant: MatmulVariant? = nil) throws -> any ComputeDevice {
        let spec = try DeviceSpecifier(parsing: deviceOptions.device)
        let precision = deviceOptions.precision
        if spec == .cpu || (spec == .auto && DeviceSpecifier.automaticChoice(among: VulkanDevice.devices()) == .cpu) {
            try DeviceSpecifier.requireCPUPrecision(precision)
            return CPUDevice(mode: .fast, threads: threads, profiling: profiling)
        }
        let device = try spec.open(validation: deviceOptions.validate, profiling: profiling, precision: precision)
        guard let vulkan = device as? VulkanDevice else { return device }
        var options = VulkanDevice.Options(
            selection: .name(vulkan.info.name), validation: deviceOptions.validate, profiling: profiling,
            matmul: variant)
        options.convolutions = try convolutionPath()
        // Mixed precision runs every product on the cooperative matrices (a --matmul preset then applies to
        // none of them).
        options.precision = precision
        return try VulkanDevice(options)
    }

    func convolutionPath() throws -> ConvolutionPath {
        guard let path = ConvolutionPath(rawValue: convolutions) else {
            throw ConfigurationError(
                "--convolutions must be auto, direct or tiled, got '\(convolutions)'")
        }
        return path
    }

    func bench() throws {
        try require(repetitions, atLeast: 1, "--repetitions")
        try require(sgemmSize, atLeast: 1, "--sgemm-size")
        try require(images, atLeast: 1, "--images")
        if let threads { try require(threads, atLeast: 1, "--threads") }
        if let stepsPerSubmit { try require(stepsPerSubmit, atLeast: 1, "--steps-per-submit") }
        _ = try convolutionPath()
        let sgemmBytes = try CheckedSize.multiply(
            try CheckedSize.multiply(sgemmSize, sgemmSize, "--sgemm-size \(sgemmSize)"), 12,
            "--sgemm-size \(sgemmSize)")
        try MemoryBudget.requireHost(sgemmBytes, "--sgemm-size \(sgemmSize) (three \(sgemmSize)² matrices)")
        let parts = Set(what.split(separator: ",").map { String($0) })
        if parts.contains("allreduce") {
            guard parts.count == 1 else {
                throw ConfigurationError("--what allreduce is measured alone (under mpirun), got '\(what)'")
            }
            return try benchAllreduce()
        }
        guard parts.isSubset(of: ["kernels", "sgemm", "training"]), !parts.isEmpty else {
            throw ConfigurationError("--what takes kernels, sgemm, training (or allreduce alone), got '\(what)'")
        }
        let named =
            [("auto", nil), ("naive", MatmulVariant.naive)] + MatmulVariant.all.dropFirst().map { ($0.name, $0) }
        let variants: [(String, MatmulVariant?)] = named.filter { matmul == "all" || $0.0 == matmul }
        guard !variants.isEmpty else {
            throw ConfigurationError(
                "--matmul must be one of \(named.map(\.0).joined(separator: ", ")) or all, got '\(matmul)'")
        }
        var report: [String: Any] = [:]
        let probe = try open(profiling: true)
        report["device"] = probe.info.description
        if !json { print("device: \(probe.info)") }

        if parts.contains("kernels") {
            var rows: [[String: Any]] = []
            for (label, variant) in variants {
                let device = try open(profiling: true, variant: variant)
                let extra = [KernelBenchmark.matmul(128, 400, 784, transposeA: true, transposeB: true, label: "TT")]
                for m in try KernelBenchmark.run(
                    KernelBenchmark.trainingStep + extra, on: device, repetitions: repetitions)
                {
                    let isMatmul = m.name.hasPrefix("matmul")
                    if !isMatmul && label != variants[0].0 { continue }
                    rows.append([
                        "kernel": m.name, "shape": m.shape, "variant": isMatmul && device is VulkanDevice ? label : "",
                        "microseconds": m.seconds * 1e6, "gflops": m.gflops, "gbytes_per_second": m.gbytesPerSecond,
                    ])
                    if !json {
                        let rate =
                            isMatmul
                            ? String(format: "%8.1f GFLOP/s", m.gflops)
                            : String(format: "%8.1f GB/s", m.gbytesPerSecond)
                        print(
                            String(
                                format: "  %-28@ %-24@ %@ %10.1f µs %@", m.name as NSString, m.shape as NSString,
                                (isMatmul && device is VulkanDevice ? label : "") as NSString, m.seconds * 1e6, rate))
                    }
                }
            }
            report["kernels"] = rows
        }
        var bestSgemm = 0.0
        if parts.contains("sgemm") {
            // On the CPU, every matrix engine it has: the sustained-rate figure is taken against the best.
            // On Vulkan, each matmul variant asked for (--matmul all: every preset).
            var engines: [(String, any ComputeDevice)] =
                probe is CPUDevice
                ? [("", probe)]
                : try variants.map { ($0.1 == nil ? "" : $0.0, try open(profiling: true, variant: $0.1)) }
            if probe is CPUDevice {
                engines = CPUDevice.MatrixEngine.allCases.filter {
                    $0 != .automatic && ($0 != .avx512 || CPUDevice.hasAVX512)
                }
                .map { ($0.rawValue, CPUDevice(mode: .fast, threads: threads, profiling: true, matrixEngine: $0)) }
            }
            var rows: [[String: Any]] = []
            for (engine, device) in engines {
                let n = sgemmSize
                let m = try KernelBenchmark.run(
                    [KernelBenchmark.matmul(n, n, n, transposeA: false, transposeB: false)], on: device,
                    repetitions: max(3, repetitions / 4))[0]
                bestSgemm = max(bestSgemm, m.gflops)
                rows.append(["engine": engine, "size": n, "seconds": m.seconds, "gflops": m.gflops])
                if !json {
                    print(
                        String(
                            format: "sgemm %d³%@: %.2f ms, %.1f GFLOP/s", n,
                            (engine.isEmpty ? "" : " (\(engine))") as NSString, m.seconds * 1e3, m.gflops))
                }
            }
            report["sgemm"] = rows
        }
        if parts.contains("training") {
            guard let architecture = Architecture(rawValue: arch) else {
                throw ConfigurationError(
                    "--arch must be one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")), got '\(arch)'"
                )
            }
            // conv64 takes 64×64 colour images: the synthetic shapes unless --data names other data.
            var dataOptions = self.dataOptions
            if architecture == .conv64 && dataOptions.data == nil { dataOptions.data = SyntheticShapes.sourceName }
            let request = try dataOptions.request(trainLimit: images)
            let mnist = try DataOptions.load(request)
            let sample = mnist.train
            let configuration = VAEConfiguration(
                architecture: architecture, inputSize: sample.valuesPerImage, imageChannels: sample.channels,
                imageHeight: sample.height, imageWidth: sample.width)
            try configuration.validate()
            let placements = try dataPlacement.split(separator: ",").map { try DataOptions.placement(String($0)) }
            guard !placements.isEmpty else { throw ConfigurationError("--data-placement names no placement") }
            report["training_model"] = Checkpoint.describe(configuration)
            if !json { print("training \(Checkpoint.describe(configuration)):") }
            var byPlacement: [String: Any] = [:]
            for placement in placements {
                let device = try open(profiling: false)
                let t = try TrainingBenchmark.run(
                    on: device, mnist: mnist, images: images, configuration: configuration, placement: placement,
                    stepsPerSubmission: stepsPerSubmit)
                let figures =
                    [
                        "images": t.images, "steps": t.steps, "seconds": t.seconds,
                        "samples_per_second": t.samplesPerSecond, "data_placement": t.placement.rawValue,
                        "steps_per_submission": t.stepsPerSubmission,
                        "epoch_seconds": t.epochSeconds, "launches_per_step": t.launchesPerStep,
                        "barriers_per_step": t.barriersPerStep,
                        "submits_per_step": t.submitsPerStep, "host_waits_per_step": t.hostWaitsPerStep,
                        "throttles_per_step": t.throttlesPerStep,
                        "peak_resident_bytes": t.peakResidentBytes, "peak_device_bytes": t.peakDeviceBytes,
                        "flops_per_image": t.flopsPerImage, "sustained_gflops": t.sustainedFlopsPerSecond / 1e9,
                        "fraction_of_best_sgemm": bestSgemm > 0
                            ? t.sustainedFlopsPerSecond / 1e9 / bestSgemm : NSNull(),
                    ] as [String: Any]
                if report["training"] == nil { report["training"] = figures }
                byPlacement[placement.rawValue] = figures
                if !json { printTraining(t, bestSgemm: bestSgemm) }
            }
            if placements.count > 1 { report["training_by_placement"] = byPlacement }
            // Where a step's time goes (a profiled pass: timing every launch slows it a little).
            let profiled = try TrainingBenchmark.run(
                on: try open(profiling: true), mnist: mnist, images: min(images, 12_800),
                configuration: configuration, placement: placements[0])
            let total = profiled.kernelSeconds.reduce(0) { $0 + $1.secondsPerStep }
            report["step_breakdown"] = profiled.kernelSeconds.map {
                ["kernel": $0.name, "microseconds_per_step": $0.secondsPerStep * 1e6]
            }
            if !json {
                print(String(format: "  step breakdown (profiled, %.0f µs of kernels per step):", total * 1e6))
                for k in profiled.kernelSeconds.prefix(12) {
                    print(
                        String(
                            format: "    %-32@ %8.1f µs  %4.1f%%", k.name as NSString, k.secondsPerStep * 1e6,
                            100 * k.secondsPerStep / total))
                }
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        }
    }

    /// The training measurement as lines of the table.
    func printTraining(_ t: TrainingMeasurement, bestSgemm: Double) {
        print(
            String(
                format: "training (images on the %@): %d images in %.2f s, %.0f images/s, %.2f s per 60k-image epoch",
                (t.placement == .host ? "host, streamed" : "device") as NSString, t.images, t.seconds,
                t.samplesPerSecond, t.epochSeconds))
        print(
            String(
                format: "  products: %.2f MFLOP per image, sustained %.1f GFLOP/s%@", t.flopsPerImage / 1e6,
                t.sustainedFlopsPerSecond / 1e9,
                (bestSgemm > 0
                    ? String(
                        format: " = %.0f%% of the best sgemm rate above",
                        100 * t.sustainedFlopsPerSecond / 1e9 / bestSgemm) : "") as NSString))
        print(
            String(
                format:
                    "  per step: %.1f launches, %.1f barriers, %.2f submits (%d steps per submission), %.3f host waits for results, %.3f queue throttles",
                t.launchesPerStep, t.barriersPerStep, t.submitsPerStep, t.stepsPerSubmission, t.hostWaitsPerStep,
                t.throttlesPerStep))
        print(
            String(
                format: "  peak memory: %.0f MB resident, %.1f MB of tensors", Double(t.peakResidentBytes) / 1e6,
                Double(t.peakDeviceBytes) / 1e6))
    }
}

import Foundation
import VAECompute

/// The speed of training the reference configuration, and what each step costs in device work.
public struct TrainingMeasurement: Sendable {
    public var images: Int
    public var steps: Int
    /// Training steps per submission (recorded once, replayed).
    public var stepsPerSubmission: Int
    /// Where the images were kept (`.device` or `.host`).
    public var placement: DataPlacement
    public var seconds: Double
    public var samplesPerSecond: Double { Double(images) / seconds }
    /// Seconds for 60,000 images at this rate.
    public var epochSeconds: Double { 60_000 / samplesPerSecond }
    public var launchesPerStep: Double
    public var barriersPerStep: Double
    public var submitsPerStep: Double
    public var hostWaitsPerStep: Double
    /// Waits to keep the submission queue bounded (the device stays busy through them).
    public var throttlesPerStep: Double
    /// Peak resident memory of the process (VmHWM), bytes.
    public var peakResidentBytes: Int
    /// Peak bytes of tensors on the device.
    public var peakDeviceBytes: Int
    /// Mean time per step of each kernel kind, when the device profiles (largest first).
    public var kernelSeconds: [(name: String, secondsPerStep: Double)]
    /// Floating-point operations of the matrix products per training image (forward and backward).
    public var flopsPerImage: Double
    /// The products' FLOPs over the whole time: the rate the training sustains.
    public var sustainedFlopsPerSecond: Double { flopsPerImage * samplesPerSecond }
}

public enum TrainingBenchmark {
    /// Trains a model (by default the reference 784-400-20, batch 128) for one pass over `images`
    /// training images after one warm-up pass of a few steps, and measures it.
    public static func run(
        on device: any ComputeDevice, mnist: TrainingData, images: Int = 60_000,
        configuration: VAEConfiguration = VAEConfiguration(), placement: DataPlacement = .automatic,
        stepsPerSubmission: Int? = nil
    ) throws -> TrainingMeasurement {
        resetPeakResidentBytes()
        let model = try VAEModel(configuration, device: device, seed: 1)
        var options = TrainingOptions()
        options.logInterval = 1_000_000  // one loss read at the end, as a long epoch does
        let warm = try Trainer(
            model: model, train: mnist.train.prefix(512), test: mnist.test.prefix(128), options: options,
            placement: placement, stepsPerSubmission: stepsPerSubmission)
        _ = try warm.trainEpoch(1)
        let trainer = try Trainer(
            model: model, train: mnist.train.prefix(images), test: mnist.test.prefix(128), options: options,
            placement: placement, stepsPerSubmission: stepsPerSubmission)
        _ = device.takeProfile()
        let before = device.counters
        let start = Date()
        _ = try trainer.trainEpoch(2)
        let seconds = Date().timeIntervalSince(start)
        let after = device.counters
        let steps = (min(images, mnist.train.count) + options.batchSize - 1) / options.batchSize
        let per = { (a: Int, b: Int) in Double(a - b) / Double(steps) }
        var byKernel: [String: Double] = [:]
        for t in device.takeProfile() { byKernel[t.name, default: 0] += t.nanoseconds / 1e9 / Double(steps) }
        return TrainingMeasurement(
            images: min(images, mnist.train.count), steps: steps, stepsPerSubmission: trainer.stepsPerSubmission,
            placement: trainer.placement, seconds: seconds,
            launchesPerStep: per(after.launches, before.launches),
            barriersPerStep: per(after.barriers, before.barriers),
            submitsPerStep: per(after.submits, before.submits),
            hostWaitsPerStep: per(after.hostWaits, before.hostWaits),
            throttlesPerStep: per(after.throttles, before.throttles),
            peakResidentBytes: peakResidentBytes(), peakDeviceBytes: after.peakAllocatedBytes,
            kernelSeconds: byKernel.sorted { $0.value > $1.value }.map { ($0.key, $0.value) },
            flopsPerImage: flopsPerImage(configuration))
    }

    /// Multiply-adds ×2 of one image's training step: every layer forward, every weight gradient, and
    /// every input gradient except the first layer's (the image needs none). 3.28 MFLOP for 784-400-20.
    public static func flopsPerImage(_ configuration: VAEConfiguration) -> Double {
        guard let plan = try? configuration.plan() else { return 0 }
        let layers = plan.all
        // The layers that read the image: the first encoder layer, or both heads when there is none.
        func readsImage(_ layer: PlannedLayer) -> Bool {
            switch layer.role {
            case .encoder(let index): index == 0
            case .mu, .logvar, .heads: plan.encoder.isEmpty
            case .decoder, .output: false
            }
        }
        let products = layers.reduce(0.0) { $0 + 2 * Double($1.multiplyAdds) }
        let inputGradients = layers.filter { !readsImage($0) }.reduce(0.0) { $0 + 2 * Double($1.multiplyAdds) }
        return 2 * products + inputGradients
    }

    /// Restarts the peak-RSS count from the current RSS (Linux: "5" to /proc/self/clear_refs), so the
    /// training figure is not the peak of what ran before it in the same process (the 2048³ sgemm).
    static func resetPeakResidentBytes() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// VmHWM from /proc/self/status (0 where there is none).
    public static func peakResidentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return kb * 1024
    }
}

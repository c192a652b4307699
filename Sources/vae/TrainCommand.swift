import ArgumentParser
import Foundation
import VAE
import VAECompute

/// `vae train`: train a VAE and write the checkpoint, pictures and metrics of the run.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train", abstract: "Train a VAE on MNIST-format images.",
        discussion: """
        Writes into --out: model.safetensors (+ optimizer.safetensors for --resume), samples.png (8×8 draws
        from the prior), reconstructions.png (test images over their reconstructions) and metrics.csv.
        """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @Option(help: "Passes over the training set.") var epochs = 10
    @Option(name: .long, help: "Images per minibatch.") var batchSize = 128
    @Option(help: "Hidden layer sizes, comma-separated (empty for none).") var hidden = "400"
    @Option(help: "Latent dimensions.") var latent = 20
    @Option(help: "Adam's learning rate.") var lr: Float = 1e-3
    @Option(help: "Weight of the KL term (β-VAE).") var beta: Float = 1
    @Option(name: .customLong("kl-warmup"), help: "Epochs over which the KL weight rises from 0 to β.") var klWarmup = 0
    @Option(help: "bernoulli | gaussian") var likelihood = "bernoulli"
    @Option(name: .customLong("log-variance"), help: "Gaussian likelihood: log σ² of every pixel (the start when learned).")
    var logVariance: Float = 0
    @Flag(name: .customLong("learn-variance"), help: "Gaussian likelihood: learn one log-variance per pixel.") var learnVariance = false
    @Option(help: "Seed of initialization, shuffling and noise.") var seed: UInt64 = 1
    @Option(help: "none | static | dynamic: binary pixel targets (the literature's binarized MNIST); the test set is then binarized once with a fixed seed.")
    var binarize = "none"
    @Option(help: "Output directory (default runs/<date-time>).") var out: String?
    @Flag(help: "Continue the run in --out from its last checkpoint.") var resume = false
    @Option(name: .customLong("train-limit"), help: "Use only the first N training images (quick runs).") var trainLimit: Int?
    @Option(name: .customLong("test-limit"), help: "Use only the first N test images (quick runs).") var testLimit: Int?

    func run() throws {
        try reportingErrors { try train() }
    }

    func configurationFromOptions() throws -> VAEConfiguration {
        let parts = hidden.split(separator: ",", omittingEmptySubsequences: true).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.contains(nil) else { throw ConfigurationError("--hidden must be sizes separated by commas, got '\(hidden)'") }
        guard let l = Likelihood(rawValue: likelihood) else { throw ConfigurationError("--likelihood must be bernoulli or gaussian, got '\(likelihood)'") }
        let config = VAEConfiguration(hidden: parts.compactMap { $0 }, latent: latent, likelihood: l, gaussianLogVariance: logVariance,
                                      learnedVariance: learnVariance)
        try config.validate()
        return config
    }

    func train() throws {
        var options = TrainingOptions()
        options.epochs = epochs; options.batchSize = batchSize; options.learningRate = lr; options.beta = beta
        options.klWarmupEpochs = klWarmup; options.seed = seed
        guard let binarization = Binarization(rawValue: binarize) else {
            throw ConfigurationError("--binarize must be none, static or dynamic, got '\(binarize)'")
        }
        options.binarization = binarization
        try options.validate()
        if let n = trainLimit, n <= 0 { throw ConfigurationError("--train-limit must be positive, got \(n)") }
        if let n = testLimit, n <= 0 { throw ConfigurationError("--test-limit must be positive, got \(n)") }
        var config = try configurationFromOptions()
        let outDirectory = out ?? "runs/" + Self.timestamp()
        if resume && out == nil { throw ConfigurationError("--resume needs --out naming the run to continue") }
        let checkpointPath = outDirectory + "/model.safetensors"
        let metricsPath = outDirectory + "/metrics.csv"

        var mnist = try dataOptions.load()
        if let n = trainLimit { mnist.train = mnist.train.prefix(n) }
        if let n = testLimit { mnist.test = mnist.test.prefix(n) }
        config.imageHeight = mnist.train.height
        config.imageWidth = mnist.train.width
        config.inputSize = mnist.train.pixelsPerImage

        let device = try deviceOptions.open()
        let model: VAEModel
        var firstEpoch = 1
        var log = MetricsLog()
        if resume {
            model = try Checkpoint.load(from: checkpointPath, device: device)
            let state = try Checkpoint.loadOptimizer(from: Checkpoint.optimizerPath(for: checkpointPath), into: model)
            firstEpoch = (state["epoch"].flatMap(Int.init) ?? 0) + 1
            log = try MetricsLog(contentsOf: metricsPath)
            log.records.removeAll { $0.epoch >= firstEpoch }
            config = model.configuration
            print("resuming \(outDirectory) at epoch \(firstEpoch) (step \(try model.step()))")
        } else {
            model = try VAEModel(config, device: device, seed: seed, learningRate: lr)
        }
        try FileManager.default.createDirectory(atPath: outDirectory, withIntermediateDirectories: true)
        let trainer = try Trainer(model: model, train: mnist.train, test: mnist.test, options: options)
        print("device: \(device.info)")
        print("model: \(Checkpoint.describe(config)) \(config.likelihood.rawValue), \(model.parameterCount) parameters; "
              + "\(mnist.train.count) training and \(mnist.test.count) test images; batch \(batchSize), lr \(lr), seed \(seed)")
        print("writing to \(outDirectory)")
        let display = ProgressDisplay(epochs: epochs)
        if firstEpoch > epochs { print("nothing to do: the run already has \(firstEpoch - 1) epochs") }
        for epoch in firstEpoch..<max(firstEpoch, epochs + 1) {
            let start = Date()
            let trainLoss = try trainer.trainEpoch(epoch) { display.update($0) }
            let seconds = Date().timeIntervalSince(start)
            let testLoss = try trainer.evaluateTestSet()
            display.finishLine()
            let record = EpochRecord(epoch: epoch, train: trainLoss, test: testLoss, seconds: seconds,
                                     samplesPerSecond: Double(mnist.train.count) / seconds)
            print(String(format: "epoch %2d  train %.4f (rec %.4f, kl %.4f)  test %.4f (rec %.4f, kl %.4f)  %.1fs  %.0f img/s",
                         epoch, trainLoss.loss, trainLoss.reconstruction, trainLoss.kl, testLoss.loss, testLoss.reconstruction,
                         testLoss.kl, seconds, record.samplesPerSecond))
            log.records.append(record)
            try Checkpoint.save(model, to: checkpointPath, metadata: ["epoch": String(epoch), "seed": String(seed), "vae.binarize": binarize])
            try Checkpoint.saveOptimizer(model, to: Checkpoint.optimizerPath(for: checkpointPath), metadata: ["epoch": String(epoch)])
            try log.write(to: metricsPath)
        }
        try Pictures.samples(model, seed: seed).write(to: outDirectory + "/samples.png")
        let shownTest = binarization == .none ? mnist.test.prefix(8) : mnist.test.prefix(8).binarized(seed: Binarization.testSetSeed)
        try Pictures.reconstructions(model, images: shownTest).write(to: outDirectory + "/reconstructions.png")
        try LossCurve.draw(log.records).write(to: outDirectory + "/loss.png")
        print("wrote \(checkpointPath), samples.png, reconstructions.png, loss.png, metrics.csv")
        try deviceOptions.checkValidation(device)
    }

    static func timestamp() -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        return f.string(from: Date())
    }
}

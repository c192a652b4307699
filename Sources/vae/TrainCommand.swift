import ArgumentParser
import CSignals
import Foundation
import VAE
import VAEBuildInfo
import VAECompute
import VAETensorBoard

/// `vae train`: train a VAE and write the checkpoint, pictures and metrics of the run.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a VAE on your images (a folder, CIFAR, NumPy, MNIST format) or synthetic shapes.",
        discussion: """
            Writes into --out: model.safetensors (+ optimizer.safetensors for --resume), metrics.csv and \
            metrics.jsonl (the losses; docs/runs.md says what each means), run.json (the settings, data, device, \
            version and figures), TensorBoard's events.out.tfevents.* file (scalars and pictures; --tensorboard), \
            samples.png (8×8 draws from the prior, the same noise every epoch), reconstructions.png (test images \
            over their reconstructions), loss.png, and manifold.png when the latent space has 2 dimensions. The \
            model, optimizer state and metrics are saved together after every epoch, so a killed run keeps its \
            last whole epoch; the pictures are redrawn after every epoch. Ctrl-C (or SIGTERM) stops at the next step and keeps the \
            last saved epoch; a second Ctrl-C stops at once. A folder that holds a run is only continued \
            (--resume) or replaced (--overwrite), never written over silently; on --resume the run's own \
            settings apply and options that contradict them are refused.
            """)

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var deviceOptions: DeviceOptions
    @Option(
        parsing: .unconditional, help: "Passes over the training set (in all, counting those a resumed run has done).")
    var epochs = 10
    @Option(name: .long, parsing: .unconditional, help: "Images per minibatch (default 128).") var batchSize: Int?
    @Option(
        help:
            "mlp | conv28 | conv64: the model (conv28: the convolutional VAE for 28×28 images; conv64: PyTorch-VAE's VanillaVAE for 64×64 images; see docs/architectures.md; default mlp)."
    )
    var arch: String?
    @Option(
        help:
            "Dense hidden layer sizes, comma-separated, \"\" for none (default 400 for mlp, 256 for conv28, none for conv64)."
    )
    var hidden: String?
    @Option(
        name: .customLong("conv-channels"),
        help:
            "conv28, conv64: output channels of each stride-2 convolution, comma-separated (default 32,64 and 32,64,128,256,512)."
    )
    var convChannels: String?
    @Option(parsing: .unconditional, help: "Latent dimensions (default 20; 128 for conv64).") var latent: Int?
    @Option(
        help:
            "relu | leaky_relu | tanh | softplus | sigmoid: the hidden layers' activation (default relu; leaky_relu for conv64)."
    )
    var activation: String?
    @Option(
        name: .customLong("batch-norm"), help: "on | off: conv64's BatchNorm2d after each convolution (default on).")
    var batchNorm: String?
    @Option(parsing: .unconditional, help: "Adam's learning rate (default 0.001).") var lr: Float?
    @Option(
        name: .customLong("lr-schedule"),
        help:
            "constant | cosine: the learning rate over the run (cosine: from --lr in epoch 1 down to --lr-min over --lr-decay-epochs; default constant)."
    )
    var lrSchedule: String?
    @Option(
        name: .customLong("lr-min"), parsing: .unconditional,
        help: "Where a decaying learning rate ends (default 0).")
    var lrMin: Float?
    @Option(
        name: .customLong("lr-decay-epochs"), parsing: .unconditional,
        help: "Epochs the learning rate decays over (default: --epochs of the run's first start).")
    var lrDecayEpochs: Int?
    @Option(parsing: .unconditional, help: "Weight of the KL term, β-VAE (default 1).") var beta: Float?
    @Option(
        name: .customLong("kl-warmup"), parsing: .unconditional,
        help: "Epochs over which the KL weight rises from 0 to β (default 0).")
    var klWarmup: Int?
    @Option(help: "bernoulli | gaussian (default bernoulli)") var likelihood: String?
    @Option(
        name: .customLong("log-variance"), parsing: .unconditional,
        help: "Gaussian likelihood: log σ² of every pixel, the start when learned (default 0).")
    var logVariance: Float?
    @Flag(name: .customLong("learn-variance"), help: "Gaussian likelihood: learn one log-variance per pixel.")
    var learnVariance = false
    @Option(parsing: .unconditional, help: "Seed of initialization, shuffling and noise (default 1).") var seed: UInt64?
    @Option(
        help:
            "none | static | dynamic: binary pixel targets (the literature's binarized MNIST); the test set is then binarized once with a fixed seed."
    )
    var binarize: String?
    @Option(help: "Output directory (default runs/<date-time>).") var out: String?
    @Flag(help: "Continue the run in --out from its last saved epoch.") var resume = false
    @Flag(help: "Replace the run in --out (its model, optimizer state, metrics and pictures).") var overwrite = false
    @Option(
        name: .customLong("data-placement"),
        help:
            "auto | device | host: keep the images on the device (uploaded once), or in host memory with each minibatch streamed to the device (auto: the device when they fit beside the model; the results are the same)."
    )
    var dataPlacement = "auto"
    @Option(
        name: .customLong("steps-per-submit"), parsing: .unconditional,
        help:
            "Training steps recorded once and submitted to the device together (default 16 on GPUs, 1 on CPU devices; the results are the same)."
    )
    var stepsPerSubmit: Int?
    @Option(
        help:
            "Folder for TensorBoard's event file (default: the run folder, so `tensorboard --logdir runs` shows every run)."
    )
    var tensorboard: String?
    @Flag(name: .customLong("no-tensorboard"), help: "Write no TensorBoard event file.") var noTensorBoard = false
    @Option(
        name: .customLong("keep-pictures"),
        help: "last | all: keep only the latest samples.png, or also samples_NNN.png of every epoch (default last).")
    var keepPictures = "last"
    @Option(
        parsing: .unconditional,
        help: "Magnify the run's pictures' pixels N×N (1–16; default: an image about 84 pixels across).")
    var scale: Int?
    @Option(
        help:
            "auto | none | mpi: train as one rank of an MPI job (auto: when mpirun or srun started this process; needs a vae built with --traits MPI; see README \"Several GPUs or machines\")."
    )
    var distributed = "auto"
    @Flag(help: "Show no progress while an epoch runs (the epoch lines and the results still print).")
    var quiet = false
    @Option(
        name: .customLong("train-limit"), parsing: .unconditional,
        help: "Use only the first N training images (quick runs).")
    var trainLimit: Int?
    @Option(
        name: .customLong("test-limit"), parsing: .unconditional, help: "Use only the first N test images (quick runs)."
    ) var testLimit: Int?

    func run() throws {
        var ranks: (any Communicator)?
        do {
            let communicator = try communicator()
            ranks = communicator
            if communicator.size == 1 {
                try reportingErrors { try train(communicator) }
                return
            }
            do {
                try train(communicator)
            } catch let exit as ExitCode {
                throw exit
            } catch {
                note("vae: error: rank \(communicator.rank) of \(communicator.size): \(error)")
                throw ExitCode(1)
            }
        } catch let exit as ExitCode {
            // One rank that fails ends the job: the others would wait for it in the next collective.
            if let ranks, ranks.size > 1, exit != .success { ranks.abort(status: exit.rawValue) }
            throw exit
        } catch {
            try reportingErrors { throw error }
        }
    }

    /// The architecture the options ask for (defaults where they are not given).
    func configurationFromOptions() throws -> VAEConfiguration {
        let archName = arch ?? "mlp"
        guard let architecture = Architecture(rawValue: archName) else {
            throw ConfigurationError(
                "--arch must be one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")), got '\(archName)'"
            )
        }
        let sizes = try hidden.map { try VAEConfiguration.parseSizes($0, option: "--hidden") }
        if architecture == .mlp && convChannels != nil {
            throw ConfigurationError("--conv-channels is for the convolutional architectures (--arch conv28, conv64)")
        }
        let activationFunction = try activation.map { name in
            guard let a = Activation.allCases.first(where: { $0.description == name }), a != .identity else {
                throw ConfigurationError(
                    "--activation must be relu, leaky_relu, tanh, softplus or sigmoid, got '\(name)'")
            }
            return a
        }
        let norm = try batchNorm.map { value in
            guard let on = ["on": true, "off": false][value] else {
                throw ConfigurationError("--batch-norm must be on or off, got '\(value)'")
            }
            // (On --resume the run's architecture decides; a contradiction is reported with the others.)
            guard architecture.offersBatchNorm || resume else {
                throw ConfigurationError(
                    "--batch-norm is for --arch conv64 (\(architecture.rawValue) is a fixed PyTorch module)")
            }
            return on
        }
        let convChannels = try self.convChannels.map { try VAEConfiguration.parseSizes($0, option: "--conv-channels") }
        let likelihoodName = likelihood ?? "bernoulli"
        guard let l = Likelihood(rawValue: likelihoodName) else {
            throw ConfigurationError("--likelihood must be bernoulli or gaussian, got '\(likelihoodName)'")
        }
        if let logVariance, !logVariance.isFinite {
            throw ConfigurationError("--log-variance must be a finite number, got \(logVariance)")
        }
        var config = VAEConfiguration(
            architecture: architecture, hidden: sizes, convChannels: convChannels, latent: latent, likelihood: l,
            activation: activationFunction, batchNorm: resume ? nil : norm, gaussianLogVariance: logVariance ?? 0,
            learnedVariance: learnVariance)
        // Checked now for images of the size the architecture takes, so bad options fail before the data
        // is read; checked again once the data's image size is known.
        let side = architecture.imageSide ?? 28
        (config.imageHeight, config.imageWidth, config.inputSize) = (side, side, side * side)
        try config.validate()
        return config
    }

    /// Training options from the command line, each falling back to `recorded` (a resumed run's own
    /// settings) and then to the defaults.
    func trainingOptions(recorded: [String: String] = [:]) throws -> TrainingOptions {
        var options = TrainingOptions()
        options.epochs = epochs
        options.batchSize = batchSize ?? recorded["--batch-size"].flatMap(Int.init) ?? options.batchSize
        options.learningRate = lr ?? recorded["--lr"].flatMap(Float.init) ?? options.learningRate
        let scheduleName = lrSchedule ?? recorded["--lr-schedule"] ?? "constant"
        guard let schedule = LearningRateSchedule(rawValue: scheduleName) else {
            throw ConfigurationError("--lr-schedule must be constant or cosine, got '\(scheduleName)'")
        }
        options.learningRateSchedule = schedule
        options.minimumLearningRate = lrMin ?? recorded["--lr-min"].flatMap(Float.init) ?? 0
        options.decayEpochs = lrDecayEpochs ?? recorded["--lr-decay-epochs"].flatMap(Int.init)
        if schedule == .constant, !resume, lrMin != nil || lrDecayEpochs != nil {
            throw ConfigurationError("--lr-min and --lr-decay-epochs need a decaying --lr-schedule (cosine)")
        }
        options.beta = beta ?? recorded["--beta"].flatMap(Float.init) ?? options.beta
        options.klWarmupEpochs = klWarmup ?? recorded["--kl-warmup"].flatMap(Int.init) ?? options.klWarmupEpochs
        options.seed = seed ?? recorded["--seed"].flatMap(UInt64.init) ?? options.seed
        let mode = binarize ?? recorded["--binarize"] ?? "none"
        guard let binarization = Binarization(rawValue: mode) else {
            throw ConfigurationError("--binarize must be none, static or dynamic, got '\(mode)'")
        }
        options.binarization = binarization
        try options.validate()
        return options
    }

    /// Options given on the command line that contradict the run being resumed, as "--opt X (the run has Y)".
    func contradictions(model: VAEConfiguration, recorded: [String: String], trainImages: Int) -> [String] {
        var found: [String] = []
        func check(_ option: String, given: String?, has: String?) {
            if let given, let has, given != has { found.append("\(option) \(given) (the run has \(has))") }
        }
        check("--arch", given: arch, has: model.architecture.rawValue)
        if let convChannels, let asked = try? VAEConfiguration.parseSizes(convChannels, option: "--conv-channels"),
            asked != model.convChannels
        {
            found.append(
                "--conv-channels \(convChannels) (the run has \(model.convChannels.map(String.init).joined(separator: ",")))"
            )
        }
        if hidden != nil, let asked = try? VAEConfiguration.parseSizes(hidden!, option: "--hidden"),
            asked != model.hidden
        {
            found.append("--hidden \(hidden!) (the run has \(model.hidden.map(String.init).joined(separator: ",")))")
        }
        check("--latent", given: latent.map(String.init), has: String(model.latent))
        check("--activation", given: activation, has: model.activation.description)
        check("--batch-norm", given: batchNorm, has: model.batchNorm ? "on" : "off")
        check("--likelihood", given: likelihood, has: model.likelihood.rawValue)
        check("--log-variance", given: logVariance.map { String($0) }, has: String(model.gaussianLogVariance))
        if learnVariance && !model.learnedVariance { found.append("--learn-variance (the run's variance is fixed)") }
        check("--seed", given: seed.map(String.init), has: recorded["--seed"])
        check("--binarize", given: binarize, has: recorded["--binarize"])
        check("--batch-size", given: batchSize.map(String.init), has: recorded["--batch-size"])
        check("--lr", given: lr.map { String($0) }, has: recorded["--lr"])
        check("--lr-schedule", given: lrSchedule, has: recorded["--lr-schedule"])
        check("--lr-min", given: lrMin.map { String($0) }, has: recorded["--lr-min"])
        check("--lr-decay-epochs", given: lrDecayEpochs.map(String.init), has: recorded["--lr-decay-epochs"])
        check("--beta", given: beta.map { String($0) }, has: recorded["--beta"])
        check("--kl-warmup", given: klWarmup.map(String.init), has: recorded["--kl-warmup"])
        if let has = recorded["train images"], has != String(trainImages) {
            found.append(
                "training data of \(trainImages) images (the run trained on \(has); see --data and --train-limit)")
        }
        return found
    }

    func train(_ communicator: any Communicator) throws {
        if let n = trainLimit, n <= 0 { throw ConfigurationError("--train-limit must be positive, got \(n)") }
        if let n = testLimit, n <= 0 { throw ConfigurationError("--test-limit must be positive, got \(n)") }
        if let n = stepsPerSubmit, n <= 0 { throw ConfigurationError("--steps-per-submit must be positive, got \(n)") }
        if let scale { try Pictures.checkScale(scale) }
        guard ["last", "all"].contains(keepPictures) else {
            throw ConfigurationError("--keep-pictures must be last or all, got '\(keepPictures)'")
        }
        if noTensorBoard && tensorboard != nil {
            throw ConfigurationError(
                "--tensorboard names a folder for the event file and --no-tensorboard asks for none: give one")
        }
        if resume && out == nil { throw ConfigurationError("--resume needs --out naming the run to continue") }
        if resume && overwrite {
            throw ConfigurationError("--resume continues the run in --out and --overwrite replaces it: give one")
        }
        let config = try configurationFromOptions()
        let options = try trainingOptions()

        if communicator.rank != 0 {
            // Rank 0 opens the run folder (repairing it if a run was killed while saving) before the others
            // read its state; they write into a private folder that goes when they end.
            try communicator.barrier()
            let folder = try Self.privateFolder(rank: communicator.rank, copying: resume ? out : nil)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let run = try RunDirectory(folder)
            try train(in: run, outDirectory: folder, config: config, options: options, communicator: communicator)
            return
        }
        let outDirectory = try out ?? Self.newRunFolder()
        let run: RunDirectory
        do {
            run = try RunDirectory(outDirectory, madeForThisRun: out == nil)
        } catch {
            if communicator.size > 1 { try? communicator.barrier() }
            throw error
        }
        if communicator.size > 1 { try communicator.barrier() }
        do {
            try train(in: run, outDirectory: outDirectory, config: config, options: options, communicator: communicator)
        } catch {
            run.discardIfUnused()
            throw error
        }
    }

    func train(
        in run: RunDirectory, outDirectory: String, config: VAEConfiguration, options: TrainingOptions,
        communicator: any Communicator
    ) throws {
        var config = config, options = options
        // Rank 0 of a data-parallel job (or the only process) writes the run; the other ranks write nothing.
        let primary = communicator.rank == 0
        if let recovery = run.recovery { note("vae: \(outDirectory): \(recovery)") }
        if resume && !run.holdsRun { throw RunError("\(outDirectory) holds no run to resume (no model.safetensors)") }
        if !resume && run.holdsRun {
            guard overwrite else {
                throw RunError("\(outDirectory) already holds a run; --resume continues it, --overwrite replaces it")
            }
            try run.removePictures()
        }
        let checkpointPath = outDirectory + "/model.safetensors"
        let optimizerPath = Checkpoint.optimizerPath(for: checkpointPath)
        let metricsPath = outDirectory + "/metrics.csv"
        let jsonLinesPath = outDirectory + "/metrics.jsonl"

        // A resumed run trains on what it trained on (and as it saw it) unless options say otherwise.
        let request = try dataOptions.request(
            recorded: resume ? (try? Checkpoint.metadata(at: checkpointPath)) ?? [:] : [:], trainLimit: trainLimit,
            testLimit: testLimit)
        let source = request.source
        let mnist = try DataOptions.load(request)
        config.imageChannels = mnist.train.channels
        config.imageHeight = mnist.train.height
        config.imageWidth = mnist.train.width
        config.inputSize = mnist.train.valuesPerImage
        if !resume, let side = config.architecture.imageSide, mnist.train.height != side || mnist.train.width != side {
            let hint =
                "; --image-size \(side) resizes them"
                + (config.architecture == .conv64 && dataOptions.data == nil
                    ? ", and --data \(SyntheticShapes.sourceName) has 64×64 colour images" : "")
            throw ConfigurationError(
                "--arch \(config.architecture.rawValue) takes \(side)×\(side) images, \(source) has \(mnist.train.imageSize)\(hint)"
            )
        }
        if !resume { try config.validate() }

        let device =
            communicator.size > 1
            ? try deviceOptions.open(
                localRank: MPILaunch.localRank, ranksOnThisMachine: MPILaunch.localRanks ?? communicator.size)
            : try deviceOptions.open()
        if device.info.backend == "vulkan" && device.info.kind == .cpu {
            note(
                "vae: note: \(device.info.name) emulates a GPU on the CPU (a correctness device, far slower than --device cpu)"
            )
        }
        let model: VAEModel
        var firstEpoch = 1
        var log = MetricsLog()
        if resume {
            let file = try SafeTensors(contentsOf: checkpointPath)
            model = try Checkpoint.load(file, name: checkpointPath, device: device)
            let modelMetadata = file.metadata
            let optimizerMetadata = try Checkpoint.loadOptimizer(from: optimizerPath, into: model)
            log = try MetricsLog(contentsOf: metricsPath)
            let done = try RunConsistency.epoch(
                model: modelMetadata, optimizer: optimizerMetadata, metrics: log, folder: outDirectory)
            let recorded = try RunSettings.recorded(in: modelMetadata, file: checkpointPath)
            options = try trainingOptions(recorded: recorded)
            guard mnist.train.fits(model.configuration) else {
                throw DataError.mismatch(
                    "\(source) has \(mnist.train.imageSize) images but the run in "
                        + "\(outDirectory) takes \(model.configuration.imageSize)")
            }
            let conflicts = contradictions(
                model: model.configuration, recorded: recorded, trainImages: mnist.train.count)
            guard conflicts.isEmpty else {
                throw ConfigurationError(
                    "--resume: \(conflicts.joined(separator: ", ")); give the run's own settings (or none) to continue it, or train a new run"
                )
            }
            firstEpoch = done + 1
            config = model.configuration
            // Runs saved before the KL weight was recorded get it now, from the run's own settings.
            for i in log.records.indices where log.records[i].klWeight == nil {
                log.records[i].klWeight = Double(options.klWeight(epoch: log.records[i].epoch))
                log.records[i].beta = Double(options.beta)
            }
            // Runs saved before the learning rate was recorded trained at a constant rate.
            for i in log.records.indices where log.records[i].learningRate == nil {
                log.records[i].learningRate = Double("\(options.learningRate(epoch: log.records[i].epoch))")
            }
            print("resuming \(outDirectory) at epoch \(firstEpoch) (step \(try model.step()))")
        } else {
            model = try VAEModel(config, device: device, seed: options.seed, learningRate: options.learningRate)
        }
        let trainer = try Trainer(
            model: model, train: mnist.train, test: mnist.test, options: options,
            placement: try DataOptions.placement(dataPlacement), stepsPerSubmission: stepsPerSubmit,
            communicator: communicator)
        // Every rank must train the same model the same way: checked once, before the first step.
        try communicator.requireAgreement(
            try model.parameterFingerprint() + [
                Double(options.batchSize), Double(options.seed), Double(options.learningRate), Double(options.beta),
                Double(options.klWarmupEpochs), Double(epochs), Double(firstEpoch), Double(mnist.train.count),
                Double(mnist.test.count),
                Double(LearningRateSchedule.allCases.firstIndex(of: options.learningRateSchedule)!),
                Double(options.minimumLearningRate), Double(options.decayLength),
            ], about: "the model, its settings or its data")
        let settings = RunSettings(options: options, trainImages: mnist.train.count)
        print(
            "device: \(device.info)"
                + (communicator.size > 1 ? " (rank 0 of \(communicator.size); each rank its own)" : ""))
        print(
            "model: \(Checkpoint.describe(config)) \(config.likelihood.rawValue), \(model.parameterCount) parameters; "
                + "\(mnist.train.count) training and \(mnist.test.count) test images; batch \(options.batchSize), lr \(options.learningRate)\(Self.describeDecay(options)), seed \(options.seed)"
        )
        if trainer.placement == .host {
            print(
                "data: \(MemoryBudget.describe(trainer.dataBytes)) of images kept in host memory, each minibatch streamed to the device"
                    + (dataPlacement == "auto" ? " (they do not fit the device beside the model)" : ""))
        }
        print("writing to \(outDirectory)")
        let outputs = try Self.outputs(
            folder: outDirectory, resumedAt: resume ? firstEpoch - 1 : nil, jsonLinesPath: jsonLinesPath, log: log,
            stepsPerEpoch: (mnist.train.count + options.batchSize - 1) / options.batchSize,
            tensorboard: noTensorBoard || !primary ? nil : (tensorboard ?? outDirectory),
            keepAllPictures: keepPictures == "all",
            scale: scale,
            record: RunRecord(
                folder: outDirectory, settings: effectiveSettings(options, trainer: trainer),
                data: [
                    "source": source, "options": request.arguments, "train_images": mnist.train.count,
                    "test_images": mnist.test.count, "image": mnist.train.imageSize,
                ], model: Self.describe(config, parameters: model.parameterCount), command: CommandLine.arguments,
                version: BuildInfo.version, device: device.info.description, firstEpoch: firstEpoch,
                ranks: communicator.size, note: note), writes: primary)
        do {
            if primary { try outputs.record.write() }
        } catch {
            note("vae: warning: \(error)")
        }

        /// Saves the model, optimizer state and metrics of `epoch` as one unit.
        func commit(_ epoch: Int) throws {
            let step = String(try model.step())
            let modelFile = try Checkpoint.contents(
                of: model,
                metadata: settings.metadata.merging([
                    "epoch": String(epoch), "step": step, "train.data": source,
                    "train.data_options": request.arguments,
                ]) {
                    $1
                })
            let optimizerFile = try Checkpoint.optimizerContents(of: model, metadata: ["epoch": String(epoch)])
            try run.commit(
                epoch: epoch,
                files: [
                    ("model.safetensors", try modelFile.encoded()),
                    ("optimizer.safetensors", try optimizerFile.encoded()),
                    ("metrics.csv", log.encoded()),
                    ("metrics.jsonl", outputs.lines.encoded()),
                ])
        }

        vae_install_stop_handlers()
        let display = ProgressDisplay(epochs: epochs, quiet: quiet || communicator.rank != 0)
        let shownTest =
            options.binarization == .none
            ? mnist.test.prefix(8) : mnist.test.prefix(8).binarized(seed: Binarization.testSetSeed)
        var written = Set<String>()
        if !resume && epochs == 0 && primary {
            try commit(0)  // the untrained model, so the folder is a run that --resume can continue
            written.formUnion(RunDirectory.stateFiles)
        }
        if firstEpoch > epochs && resume { print("nothing to do: the run already has \(firstEpoch - 1) epochs") }
        for epoch in firstEpoch..<max(firstEpoch, epochs + 1) {
            let start = Date()
            let trainLoss: LossSummary
            let epochStartStep = try model.step()
            let klWeight = options.klWeight(epoch: epoch)
            do {
                var logError: Error?
                trainLoss = try trainer.trainEpoch(
                    epoch,
                    progress: {
                        display.update($0)
                        do { try outputs.logged($0, epochStartStep: epochStartStep, klWeight: klWeight) } catch {
                            logError = logError ?? error
                        }
                    }, shouldStop: { vae_stop_signal() != 0 })
                if let logError { throw logError }
            } catch let stop as TrainingInterrupted {
                display.finishLine()
                let kept =
                    epoch - 1 == 0 && !resume
                    ? "nothing was saved" : "\(outDirectory) keeps epoch \(epoch - 1); --resume continues from there"
                note("vae: \(stop): \(kept)")
                outputs.finish("stopped", error: "\(stop)")
                throw ExitCode(128 + vae_stop_signal())
            } catch {
                outputs.finish("failed", error: "\(error)")
                throw error
            }
            let seconds = Date().timeIntervalSince(start)
            let testLoss = try trainer.evaluateTestSet()
            display.finishLine()
            let record = EpochRecord(
                epoch: epoch, train: trainLoss, test: testLoss, seconds: seconds,
                samplesPerSecond: Double(mnist.train.count) / seconds, klWeight: Double(klWeight),
                beta: Double(options.beta), learningRate: Double("\(options.learningRate(epoch: epoch))"))
            // Within 100 columns for MNIST-sized losses; metrics.csv keeps every digit.
            print(
                String(
                    format:
                        "epoch %2d  train %.3f (rec %.2f, kl %.2f)  test %.3f (rec %.2f, kl %.2f)  %.1fs  %.0f img/s",
                    epoch, trainLoss.loss, trainLoss.reconstruction, trainLoss.kl, testLoss.loss,
                    testLoss.reconstruction,
                    testLoss.kl, seconds, record.samplesPerSecond)
                    + (options.learningRateSchedule == .constant
                        ? "" : String(format: "  lr %.3g", options.learningRate(epoch: epoch))))
            log.records.append(record)
            let step = try model.step()
            outputs.epochEnded(record, step: step)
            if primary { try commit(epoch) }
            written.formUnion(RunDirectory.stateFiles)
            try outputs.epochSaved(log.records, step: step, model: model, shownTest: shownTest, seed: options.seed)
            written.formUnion(["samples.png", "reconstructions.png", "loss.png", "run.json"])
            if vae_stop_signal() != 0 {
                note("vae: stopped after saving epoch \(epoch) in \(outDirectory); --resume continues from there")
                outputs.finish("stopped", error: "stopped by a signal after saving epoch \(epoch)")
                throw ExitCode(128 + vae_stop_signal())
            }
        }
        if !written.contains("samples.png") {
            // No epoch trained in this session (--epochs 0, or a finished run resumed): draw the model as it is.
            try outputs.epochSaved(
                log.records, step: try model.step(), model: model, shownTest: shownTest, seed: options.seed)
            written.formUnion(
                ["samples.png", "reconstructions.png", "run.json"] + (log.records.isEmpty ? [] : ["loss.png"]))
        }
        if config.latent == 2 && primary {
            try Explorer.manifold(model, size: 20, scale: scale).write(to: outDirectory + "/manifold.png")
            written.insert("manifold.png")
        }
        if let events = outputs.events {
            if (events.path as NSString).deletingLastPathComponent == outDirectory {
                written.insert((events.path as NSString).lastPathComponent)
            } else {
                print("TensorBoard: \(events.path)")
            }
        }
        outputs.finish("finished")
        let order = [
            "model.safetensors", "optimizer.safetensors", "metrics.csv", "metrics.jsonl", "run.json", "samples.png",
            "reconstructions.png", "loss.png", "manifold.png",
        ]
        let events = written.filter { $0.hasPrefix("events.out.") }.sorted()
        print("wrote \((order.filter(written.contains) + events).joined(separator: ", ")) in \(outDirectory)")
        if let summary = Self.summary(log.records, since: firstEpoch) { print(summary) }
        if communicator.size > 1, trainer.reduction.steps > 0 {
            let r = trainer.reduction,
                seconds = log.records.filter { $0.epoch >= firstEpoch }.reduce(0) { $0 + $1.seconds }
            print(
                String(
                    format:
                        "data parallel: %d ranks; gradient sum (%@ per step) %.2f ms per step, %.0f%% of training time",
                    communicator.size, MemoryBudget.describe(r.bytes) as NSString, 1000 * r.seconds / Double(r.steps),
                    seconds > 0 ? 100 * r.seconds / seconds : 0))
        }
        try deviceOptions.checkValidation(device)
    }

    /// The closing line of a run: epochs trained and their time, and the best and last test loss.
    static func summary(_ records: [EpochRecord], since firstEpoch: Int) -> String? {
        guard let last = records.last, let best = records.min(by: { $0.test.loss < $1.test.loss }) else { return nil }
        let trained = records.filter { $0.epoch >= firstEpoch }
        guard !trained.isEmpty else { return nil }
        let seconds = trained.reduce(0) { $0 + $1.seconds }
        return String(
            format: "done: %d epoch%@ in %@; test loss %.4f at epoch %d, best %.4f at epoch %d", trained.count,
            trained.count == 1 ? "" : "s", ProgressDisplay.clock(seconds) as NSString, last.test.loss, last.epoch,
            best.test.loss, best.epoch)
    }

    /// A new folder runs/<date-time>, made here (with -2, -3, … when runs start in the same second), so two
    /// runs started together never share one.
    static func newRunFolder() throws -> String {
        let f = DateFormatter()
        f.dateFormat = "yyyyMMdd-HHmmss"
        let base = "runs/" + f.string(from: Date())
        try? FileManager.default.createDirectory(atPath: "runs", withIntermediateDirectories: true)
        for suffix in 1...1000 {
            let name = suffix == 1 ? base : "\(base)-\(suffix)"
            if mkdir(name, 0o755) == 0 { return name }
            guard errno == EEXIST else { throw DataError.cannotWrite(file: name, reason: AtomicFile.lastError()) }
        }
        throw DataError.cannotWrite(file: base, reason: "a thousand runs started this second")
    }
}

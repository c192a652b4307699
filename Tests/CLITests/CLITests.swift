import Foundation
import TestSupport
import Testing

@testable import VAE

/// Runs the built `vae` executable the way a user does.
struct VAERun {
    var status: Int32
    var stdout: String
    var stderr: String

    static let root = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// The `vae` binary beside the test bundle (SwiftPM builds it for this target).
    static var executable: URL {
        URL(filePath: CommandLine.arguments[0]).deletingLastPathComponent().appending(path: "vae")
    }

    /// Decoded image folders and our pipelines are cached under the tests' temporary folder, not the user's
    /// home. Mesa's own shader cache (which XDG_CACHE_HOME would move there too, so every suite run compiled
    /// every child's shaders from nothing: about 28 s of the release suite's longest test) stays in one
    /// folder kept between runs, `mesaShaderCache`.
    static let cacheEnvironment = [
        "XDG_CACHE_HOME": scratchRoot + "/cache", "MESA_SHADER_CACHE_DIR": mesaShaderCache(),
    ]

    /// Where the children's Mesa shader cache is kept between suite runs: under the user's cache folder
    /// (`name` gives a separate one, for children whose driver settings compile other code for one shader).
    static func mesaShaderCache(_ name: String = "mesa") -> String {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"] ?? (NSHomeDirectory() as NSString).appendingPathComponent(".cache")
        let folder = (base as NSString).appendingPathComponent("vulkanvae-tests/" + name)
        // Mesa makes only the last folder of the path.
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Runs `vae arguments` in `directory` (default: the package's root) with `environment` added to the
    /// test's own.
    init(
        _ arguments: [String], environment: [String: String] = [:], directory: String? = nil,
        timeout: Double = defaultTimeout
    ) throws {
        let process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(filePath: directory ?? Self.root)
        process.environment = ProcessInfo.processInfo.environment.merging(Self.cacheEnvironment) { $1 }
            .merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let (o, e, code) = try Self.collect(process, stdout: out, stderr: err, timeout: timeout)
        status = code
        stdout = String(decoding: o, as: UTF8.self)
        stderr = String(decoding: e, as: UTF8.self)
    }

    /// The longest a child may run before the test kills it (no test's child needs a tenth of it here).
    static let defaultTimeout: Double = 600

    /// Runs `process` to its end, reading both pipes at once (a child that fills one pipe while the test
    /// waits on the other would hang both), and kills it (SIGKILL) if it runs past `timeout` seconds: the
    /// status is then -1 and standard error says so, so the test fails with the reason instead of hanging.
    static func collect(
        _ process: Process, stdout out: Pipe, stderr err: Pipe?, timeout: Double
    ) throws -> (Data, Data, Int32) {
        try process.run()
        nonisolated(unsafe) var errors = Data()
        let reading = DispatchGroup()
        if let err {
            DispatchQueue.global().async(group: reading) { errors = err.fileHandleForReading.readDataToEndOfFile() }
        }
        let killed = NSLock(), pid = process.processIdentifier
        nonisolated(unsafe) var timedOut = false
        let watchdog = DispatchWorkItem {
            killed.withLock { timedOut = true }
            kill(pid, SIGKILL)
        }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        reading.wait()
        process.waitUntilExit()
        watchdog.cancel()
        guard !killed.withLock({ timedOut }) else {
            return (output, errors + Data("vae test: killed after \(Int(timeout)) s without finishing\n".utf8), -1)
        }
        return (output, errors, process.terminationStatus)
    }
}

extension VAERun {
    init(status: Int32, stdout: String, stderr: String) {
        self.status = status; self.stdout = stdout; self.stderr = stderr
    }

    /// Runs a program other than `vae` (a shell tool) the same way, stdout and stderr together.
    static func shell(_ arguments: [String]) throws -> VAERun {
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(filePath: root)
        process.environment = ProcessInfo.processInfo.environment.merging(cacheEnvironment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        process.standardInput = FileHandle.nullDevice
        let (o, e, status) = try collect(process, stdout: out, stderr: nil, timeout: defaultTimeout)
        return VAERun(status: status, stdout: String(decoding: o + e, as: UTF8.self), stderr: "")
    }
}

/// A folder of MNIST-format files (raw IDX) of blank `side`×`side` images: 20 training, 10 test.
func blankMNISTFolder(side: UInt32) -> String {
    let data = temporaryDirectory()
    func idx(_ name: String, _ dims: [UInt32]) {
        var d = Data([0, 0, 8, UInt8(dims.count)])
        for x in dims { withUnsafeBytes(of: x.bigEndian) { d.append(contentsOf: $0) } }
        d.append(Data(count: Int(dims.reduce(1, *))))
        FileManager.default.createFile(atPath: data + "/" + name, contents: d)
    }
    for (split, n) in [("train", UInt32(20)), ("t10k", 10)] {
        idx("\(split)-images-idx3-ubyte", [n, side, side])
        idx("\(split)-labels-idx1-ubyte", [n])
    }
    return data
}

/// Quick training runs: a small model on a slice of MNIST.
let quick = [
    "--epochs", "1", "--train-limit", "512", "--test-limit", "64", "--hidden", "32", "--latent", "4", "--device", "cpu",
]

@Suite("vae command line")
struct CLITests {
    @Test func trainWritesEveryOutputAndEvalReadsIt() throws {
        let out = temporaryDirectory()
        let run = try VAERun(["train"] + quick + ["--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("epoch  1  train"))
        for file in [
            "model.safetensors", "optimizer.safetensors", "samples.png", "reconstructions.png", "loss.png",
            "metrics.csv",
        ] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + file), "\(file) missing")
        }
        let csv = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n")
        #expect(csv.count == 2 && csv[0].hasPrefix("epoch,train_loss"))
        // samples: 8×8 grid of 28×28 images at 3× with 6 pixels of padding = 726×726 (0x2D6); PNG width and
        // height at bytes 16..<24.
        let png = try Data(contentsOf: URL(filePath: out + "/samples.png"))
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        #expect(Array(png[16..<24]) == [0, 0, 2, 214, 0, 0, 2, 214])

        let eval = try VAERun(["eval", "--checkpoint", out + "/model.safetensors", "--json", "--device", "cpu"])
        #expect(eval.status == 0, "\(eval.stderr)")
        let object = try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any]
        let loss = try #require(object?["test_loss"] as? Double)
        #expect(loss > 50 && loss < 600, "an untrained 784-pixel model scores ~540 nats; \(loss)")
        #expect(object?["reconstruction"] is Double && object?["kl"] is Double)

        let resumed = try VAERun(["train"] + quick.map { $0 == "1" ? "2" : $0 } + ["--out", out, "--resume"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resuming") && resumed.stdout.contains("epoch  2  train"))
    }

    @Test func vulkanTrainingRuns() throws {
        let out = temporaryDirectory()
        let run = try VAERun([
            "train", "--epochs", "1", "--train-limit", "256", "--test-limit", "64", "--hidden", "32", "--latent", "4",
            "--device", "vulkan", "--validate", "--out", out,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("device: vulkan"))
    }

    /// Each bad input: a non-zero exit and one line on stderr naming the problem.
    @Test(arguments: [
        (["train", "--batch-size", "0"], "--batch-size"),
        (["train", "--latent", "0"], "--latent"),
        (["train", "--epochs=-1"], "--epochs"),
        (["train", "--hidden", "400,x"], "--hidden"),
        (["train", "--likelihood", "poisson"], "--likelihood"),
        (["train", "--device", "no-such-gpu"], "no-such-gpu"),
        (["train", "--device", "vulkan:7"], "no Vulkan device 7"),
        (["train", "--data", "/nonexistent/mnist"], "/nonexistent/mnist"),
        (["eval", "--checkpoint", "/nonexistent.safetensors"], "/nonexistent.safetensors"),
        (["eval", "--checkpoint", "Data/mnist/README.md"], "not a valid safetensors file"),
        (["sample", "--checkpoint", "Data/mnist/README.md", "--out", "/tmp/x.png"], "not a valid safetensors file"),
        (["train", "--resume"], "--resume needs --out"),
        (["train", "--scale", "0"], "--scale must be from 1 to 16, got 0"),
        (
            ["sample", "--checkpoint", "Data/mnist", "--out", "/tmp/x.png", "--count", "1025"],
            "--count must be at most 1024"
        ),
        (["reconstruct", "--checkpoint", "Data/mnist", "--out", "/tmp/x.png", "--count", "5000"], "at most 1024"),
        (["traverse", "--checkpoint", "Data/mnist", "--out", "/tmp/x.png", "--scale", "17"], "--scale must be from 1"),
    ])
    func badInputFailsWithOneLine(arguments: [String], expected: String) throws {
        let run = try VAERun(arguments)
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected), "stderr: \(run.stderr)")
        #expect(run.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "stderr: \(run.stderr)")
    }

    /// A diverging run stops with an error and leaves the previous checkpoint untouched.
    @Test func nonFiniteLossStopsAndKeepsTheLastCheckpoint() throws {
        let out = temporaryDirectory()
        #expect(try VAERun(["train"] + quick + ["--out", out]).status == 0)
        let before = try Data(contentsOf: URL(filePath: out + "/model.safetensors"))
        let run = try VAERun(["train"] + quick + ["--out", out, "--lr", "1e30", "--overwrite"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("NaN"), "\(run.stderr)")
        #expect(try Data(contentsOf: URL(filePath: out + "/model.safetensors")) == before)
    }

    /// One small trained model shared by the exploration tests.
    static let explorationRun: String = {
        let out = temporaryDirectory()
        _ = try? VAERun(["train"] + quick + ["--out", out])
        return out
    }()

    static func pngSize(_ path: String) throws -> (Int, Int) {
        let png = [UInt8](try Data(contentsOf: URL(filePath: path)))
        func be(_ at: Int) -> Int { png[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16), be(20))
    }

    /// A PNG's colour type (IHDR's byte 25): 0 grey, 2 RGB.
    static func pngColourType(_ path: String) throws -> UInt8 { [UInt8](try Data(contentsOf: URL(filePath: path)))[25] }

    @Test(arguments: [
        // Title and t over the columns: 18 rows of labels.
        (["interpolate", "--from", "0", "--to", "5", "--steps", "6"], 8 * 30 + 2, 18 + 32),
        (["interpolate", "--from", "0", "--to", "5", "--method", "lerp"], 12 * 30 + 2, 18 + 32),
        (["jdiagram", "--corners", "0,1,2", "--size", "4"], 5 * 30 + 2, 5 * 30 + 2),
        // Rows #2, #5, #14 (the first test images of label 1): 11 + 6 columns of labels.
        (
            ["attribute", "--from-label", "1", "--to-label", "7", "--count", "3", "--steps", "5"], 17 + 6 * 30 + 2,
            18 + 3 * 30 + 2
        ),
        // Rows z0…z3: 7 + 6.
        (["traverse", "--steps", "5"], 13 + 5 * 30 + 2, 18 + 4 * 30 + 2),
        (["sample", "--count", "16"], 8 * 30 + 2, 2 * 30 + 2),
        (["sample", "--count", "16", "--scale", "3"], 8 * 90 + 6, 2 * 90 + 6),
        // Rows IN and OUT: 11 + 6.
        (["reconstruct", "--count", "5"], 17 + 5 * 30 + 2, 2 * 30 + 2),
        (["reconstruct", "--count", "13"], 17 + 8 * 30 + 2, 4 * 30 + 2),
    ])
    func explorationCommandsDrawPictures(arguments: [String], width: Int, height: Int) throws {
        try Self.expectPicture(arguments, checkpoint: Self.explorationRun + "/model.safetensors", width, height)
    }

    /// Runs a picture command on `checkpoint` (CPU, `--scale 1` unless the arguments give one) and checks it
    /// wrote a PNG of `width`×`height` pixels, grey or RGB (`colourType` 0 or 2, IHDR's byte 25).
    ///
    /// The sizes the callers expect: a grid of cells, each image plus 2 pixels of padding, and 2 more at the
    /// right and bottom; labels add a margin: above, 8 pixels per line (title, column labels) and 2 under the
    /// title; left, the widest row label (4 pixels per character, less 1) and 6. Images 48 pixels or more
    /// across get labels twice as big.
    static func expectPicture(
        _ arguments: [String], checkpoint: String, _ width: Int, _ height: Int, colourType: UInt8 = 0
    ) throws {
        let out = temporaryDirectory() + "/picture.png"
        let scale = arguments.contains("--scale") ? [] : ["--scale", "1"]
        let run = try VAERun(arguments + scale + ["--checkpoint", checkpoint, "--out", out, "--device", "cpu"])
        #expect(run.status == 0, "\(run.stderr)")
        let size = try pngSize(out)
        #expect(size.0 == width && size.1 == height, "\(arguments[0]): \(size)")
        #expect(try pngColourType(out) == colourType, "\(arguments[0]): colour type")
    }

    /// `vae eval --json` of `checkpoint` on the CPU and on Vulkan (lavapipe here) gives the same test loss
    /// to float rounding (1e-3 relative).
    static func expectEvalAgreesOnBothBackends(checkpoint: String, _ extra: [String]) throws {
        var losses: [Double] = []
        for device in ["cpu", "vulkan"] {
            let run = try VAERun(["eval", "--checkpoint", checkpoint, "--json", "--device", device] + extra)
            #expect(run.status == 0, "\(run.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            losses.append(try #require(object["test_loss"] as? Double))
        }
        #expect(
            abs(losses[0] - losses[1]) <= 1e-3 * losses[0], "test loss \(losses[0]) on the CPU, \(losses[1]) on Vulkan")
    }

    @Test func evalReportsIWAEAndActiveUnitsAsJSON() throws {
        let run = try VAERun([
            "eval", "--checkpoint", Self.explorationRun + "/model.safetensors", "--iwae", "10", "--limit", "64",
            "--json", "--device", "cpu",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let nll = try #require(object["iwae_nll"] as? Double), elbo = try #require(object["test_loss"] as? Double)
        #expect(nll <= elbo + 1, "IWAE-10 (\(nll)) is a tighter bound than the ELBO (\(elbo)), up to sampling noise")
        #expect((object["kl_per_latent"] as? [Double])?.count == 4 && object["active_units"] is Int)
    }

    @Test func plotRedrawsTheLossCurves() throws {
        let out = temporaryDirectory() + "/curves.png"
        let run = try VAERun(["plot", Self.explorationRun, "--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try Self.pngSize(out) == (720, 720))
    }

    @Test(arguments: [
        (["interpolate", "--from", "0", "--to", "10000"], "--to 10000 is out of range"),
        (["jdiagram", "--corners", "0,1"], "--corners takes three indices"),
        (["attribute", "--from-label", "1", "--to-label", "12"], "no test image has label 12"),
        (["manifold"], "2 latent dimensions"),
        (["eval", "--iwae", "0"], "at least 1 sample"),
        (["traverse", "--image=-1"], "--image -1 is out of range"),
    ])
    func explorationBadInput(arguments: [String], expected: String) throws {
        let run = try VAERun(
            arguments
                + [
                    "--checkpoint", Self.explorationRun + "/model.safetensors", "--out",
                    temporaryDirectory() + "/x.png",
                    "--device", "cpu",
                ]
                .filter { !(arguments[0] == "eval" && ($0 == "--out" || $0.hasSuffix("x.png"))) })
        #expect(run.status != 0)
        #expect(run.stderr.contains(expected), "stderr: \(run.stderr)")
        #expect(run.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1)
    }

    @Test func missingLabelsFileIsReported() throws {
        let data = temporaryDirectory()
        for f in ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"] {
            try FileManager.default.copyItem(atPath: VAERun.root + "/Data/mnist/" + f, toPath: data + "/" + f)
        }
        let run = try VAERun([
            "attribute", "--from-label", "1", "--to-label", "7", "--checkpoint",
            Self.explorationRun + "/model.safetensors",
            "--out", temporaryDirectory() + "/x.png", "--data", data,
        ])
        #expect(run.status != 0 && run.stderr.contains("t10k-labels-idx1-ubyte"), "stderr: \(run.stderr)")
    }

    /// Both backends, the one `auto` picks, and each Vulkan device with its driver's own version text (two
    /// lavapipes have the same device name; "Mesa 22.3.6" and "Mesa 25.0.7" tell them apart).
    @Test func devicesListsTheCPUAndTheVulkanDevices() throws {
        let run = try VAERun(["devices"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("cpu") && run.stdout.contains("<- auto"))
        #expect(run.stdout.contains("vulkan:0"), "\(run.stdout)")
        let best = try #require(VulkanCapabilities.best)
        #expect(run.stdout.contains("driver \(try #require(best.details["driver"]))"), "\(run.stdout)")
    }

    /// `--precision mixed` where it cannot run (the CPU backend; a Vulkan device without cooperative matrices)
    /// is one line with the reason and a failing status, before any data is read, never a silent f32 run.
    @Test func mixedPrecisionWhereItCannotRunSaysWhy() throws {
        let cpu = try VAERun([
            "train", "--device", "cpu", "--precision", "mixed", "--epochs", "1", "--out", temporaryDirectory(),
        ])
        #expect(cpu.status != 0 && cpu.stderr.contains("mixed precision runs on Vulkan devices"), "\(cpu.stderr)")
        #expect(cpu.stderr.split(separator: "\n").count == 1, "\(cpu.stderr)")
        let bad = try VAERun(["train", "--precision", "half", "--out", temporaryDirectory()])
        #expect(bad.status != 0 && bad.stderr.contains("--precision"), "\(bad.stderr)")
        let best = try #require(VulkanCapabilities.best)
        if best.details["cooperativeMatrix"] == "none" {
            let vulkan = try VAERun([
                "train", "--device", "vulkan", "--precision", "mixed", "--epochs", "1", "--out", temporaryDirectory(),
            ])
            #expect(vulkan.status != 0 && vulkan.stderr.contains("cooperative matri"), "\(vulkan.stderr)")
        }
    }

    /// `vae bench --json` on the CPU: the fields the benchmark notes quote, with sane values. (Speed itself
    /// is never asserted: this checks the measuring, not the machine.)
    @Test func benchReportsTrainingCountsAndTheSgemmFraction() throws {
        let run = try VAERun([
            "bench", "--device", "cpu", "--what", "sgemm,training", "--images", "512", "--sgemm-size", "96",
            "--repetitions", "4", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        let training = try #require(object["training"] as? [String: Any])
        #expect(training["flops_per_image"] as? Double == 3_280_000)
        // 26 launches a step (the two heads as one layer, one Adam launch for all ten parameters), plus the
        // epoch's few resets of the loss totals spread over its 4 steps.
        #expect((26.0..<28.0).contains(try #require(training["launches_per_step"] as? Double)))
        let fraction = try #require(training["fraction_of_best_sgemm"] as? Double)
        #expect(fraction > 0 && fraction.isFinite)
        let engines = try #require(object["sgemm"] as? [[String: Any]]).compactMap { $0["engine"] as? String }
        #expect(engines.contains("openblas"))
    }

    /// `eval --json` uses the same keys for either split, names the model, device and version, and writes
    /// paths as they are.
    @Test func evalJSONKeysDoNotDependOnTheSplit() throws {
        let out = temporaryDirectory()
        let run = try VAERun([
            "train", "--epochs", "1", "--train-limit", "256", "--test-limit", "64", "--device", "cpu", "--out", out,
        ])
        #expect(run.status == 0, "\(run.stderr)")
        for split in ["test", "train"] {
            let eval = try VAERun([
                "eval", "--checkpoint", out + "/model.safetensors", "--device", "cpu", "--split", split, "--limit",
                "32",
                "--json",
            ])
            #expect(eval.status == 0, "\(eval.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(eval.stdout.utf8)) as? [String: Any])
            #expect(object["loss"] is Double && object["split"] as? String == split, "\(object)")
            #expect((object["test_loss"] != nil) == (split == "test"), "\(object)")
            #expect(object["model"] as? String == "784-400-20" && object["version"] is String)
            #expect(eval.stdout.contains(out + "/model.safetensors"), "slashes unescaped: \(eval.stdout)")
        }
    }

    /// On a terminal the progress line is redrawn in place on stderr and never wider than the terminal (80
    /// and 60 columns, through a pseudo-terminal made by util-linux's `script`); `--quiet` shows none; piped,
    /// progress goes to stderr as plain lines and stdout keeps the epoch lines.
    @Test(arguments: [80, 60])
    func progressFitsTheTerminal(columns: Int) throws {
        let command =
            "stty cols \(columns) rows 24; \(VAERun.executable.path) train --epochs 2 --train-limit 3200 --test-limit 64 "
            + "--device cpu --out \(temporaryDirectory())"
        let run = try VAERun.shell(["script", "-q", "-e", "-c", command, "/dev/null"])
        #expect(run.status == 0, "\(run.stdout)")
        let pieces = run.stdout.replacingOccurrences(of: "\u{1B}[K", with: "")
            .split(whereSeparator: { $0 == "\r" || $0 == "\n" })
        let progress = pieces.filter { $0.contains("img/s") && $0.contains("ETA") }
        #expect(!progress.isEmpty, "\(run.stdout)")
        for line in progress { #expect(line.count < columns, "\(line.count) columns: \(line)") }
        #expect(progress.contains { $0.contains("run ") }, "the whole run's ETA over two epochs: \(progress)")
        let quiet = try VAERun.shell(["script", "-q", "-e", "-c", command + " --quiet --overwrite", "/dev/null"])
        #expect(quiet.status == 0 && !quiet.stdout.contains("ETA"), "\(quiet.stdout)")
        #expect(quiet.stdout.contains("epoch  2"), "\(quiet.stdout)")
        #expect(
            quiet.stdout.contains("done: 2 epochs in ") && quiet.stdout.contains(" at epoch 2, best "),
            "\(quiet.stdout)")
        // Epoch lines fit 100 columns.
        for line in quiet.stdout.split(separator: "\n") where line.hasPrefix("epoch ") {
            #expect(line.trimmingCharacters(in: .whitespacesAndNewlines).count <= 100, "\(line)")
        }
        let piped = try VAERun([
            "train", "--epochs", "1", "--train-limit", "12800", "--test-limit", "64", "--device", "cpu", "--out",
            temporaryDirectory(),
        ])
        #expect(!piped.stdout.contains(" step ") && piped.stderr.contains("epoch 1 step 50/100"), "\(piped.stderr)")
    }

    /// `vae --version` names the commit it was built from; a mistyped command gets the one meant.
    @Test func versionAndSuggestions() throws {
        let version = try VAERun(["--version"])
        #expect(version.status == 0 && version.stdout.hasPrefix("vae "), "\(version.stdout)\(version.stderr)")
        #expect(version.stdout.count > "vae \n".count && !version.stdout.contains("unknown"), "\(version.stdout)")
        for (typed, meant) in [("trian", "train"), ("selftst", "selftest"), ("evl", "eval")] {
            let run = try VAERun([typed])
            #expect(run.status == 64, "\(run.stderr)")
            #expect(run.stderr.contains("did you mean 'vae \(meant)'?"), "\(run.stderr)")
        }
        let far = try VAERun(["xyzzy"])
        #expect(far.status == 64 && !far.stderr.contains("did you mean"), "\(far.stderr)")
    }

    /// The quick start works from any folder: the bundled MNIST is found beside the executable, and the run
    /// records where, so eval from yet another folder needs no --data.
    @Test func trainsFromAnotherFolder() throws {
        let elsewhere = temporaryDirectory(), out = temporaryDirectory()
        let run = try VAERun(
            ["train", "--epochs", "1", "--train-limit", "256", "--test-limit", "64", "--device", "cpu", "--out", out],
            directory: elsewhere)
        #expect(run.status == 0, "\(run.stderr)")
        let eval = try VAERun(
            ["eval", "--checkpoint", out + "/model.safetensors", "--device", "cpu", "--limit", "32"],
            directory: temporaryDirectory())
        #expect(eval.status == 0 && eval.stdout.contains("test loss"), "\(eval.stderr)")
        // VAE_DATA comes first: pointing it at a folder without mnist/ does not hide the other places.
        let env = try VAERun(
            [
                "train", "--epochs", "0", "--train-limit", "8", "--test-limit", "8", "--device", "cpu", "--out",
                temporaryDirectory(),
            ],
            environment: ["VAE_DATA": temporaryDirectory()], directory: elsewhere)
        #expect(env.status == 0, "\(env.stderr)")
    }

    /// `vae selftest --quick` on the Vulkan device (lavapipe in CI): every family within tolerance, one line
    /// each, and the total; JSON with the same figures; the reference itself is not a device to test. (The
    /// full sweep's configurations are the kernel suite's: `theFullSweepRunsEveryPresetAndPlannedGPU`.)
    @Test func selftestPassesOnTheVulkanDevice() throws {
        let run = try VAERun(["selftest", "--device", "vulkan", "--quick"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        let lines = run.stdout.split(separator: "\n")
        let name = try #require(VulkanCapabilities.best?.name)
        #expect(lines.first?.contains("selftest of vulkan: \(name)") == true, "\(run.stdout)")
        for family in ["matmul", "conv2d", "conv_transpose2d", "batch_norm", "adam", "gather_rows", "sum"] {
            #expect(lines.contains { $0.hasPrefix("  \(family) ") && $0.contains(" ok ") }, "\(family): \(run.stdout)")
        }
        let total = try #require(lines.last)
        #expect(total.contains(" passed, 0 failed"), "\(total)")
        let json = try VAERun(["selftest", "--device", "cpu", "--quick", "--json"])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let passed = try #require(object["passed"] as? Int)
        #expect(passed > 400 && object["failed"] as? Int == 0, "\(object)")
        let families = try #require(object["families"] as? [[String: Any]])
        #expect(families.reduce(0) { $0 + ($1["runs"] as? Int ?? 0) } == passed)
        let reference = try VAERun(["selftest", "--device", "cpu-reference"])
        #expect(reference.status == 1 && reference.stderr.contains("is the reference itself"), "\(reference.stderr)")
    }

    /// Whether the Vulkan device's subgroup width follows `LP_NATIVE_VECTOR_WIDTH`, seen by its effect: `vae
    /// devices` at 128 bits reports 4 lanes (lavapipe does; a GPU's width is its own).
    static let subgroupWidthIsSettable: Bool =
        (try? VAERun(["devices"], environment: ["LP_NATIVE_VECTOR_WIDTH": "128"]))?.stdout.contains("subgroup 4,")
        ?? false

    /// The kernels whose results depend on the subgroup width (the reductions over workgroup_sum.glsl) or
    /// on the workgroups the planner picks (products and convolutions), the widths run below.
    static let widthSensitiveFamilies = [
        "matmul", "conv2d", "conv_transpose2d", "conv2d_weight_gradient", "batch_norm", "batch_norm_backward",
        "bernoulli_nll", "bernoulli_nll_with_gradient", "channel_sum", "gaussian_nll", "importance_log_weight",
        "kl_divergence", "row_sum", "sum",
    ].joined(separator: ",")

    /// Every subgroup-dependent kernel passes at lavapipe's narrowest subgroup (4 lanes, as lavapipe plans
    /// it) and at a GPU's (NVIDIA's 32, AMD's 64) with the planner taking the device for such a GPU: a large
    /// one at 32 (32-wide tiles, split-K), a small one at 64 (64- and 128-wide tiles, fewer splits), so the
    /// automatic GPU choices run at GPU widths. The device as the environment plans it (`--quick`): each
    /// width compiles every pipeline afresh, and the forced presets and planned GPUs of the full sweep run at
    /// lavapipe's default width (8) in the kernel suite. Needs a driver whose width `LP_NATIVE_VECTOR_WIDTH`
    /// sets; a real GPU runs the sweep at its own width in `selftestPassesOnTheVulkanDevice` and
    /// `scripts/gpu/`.
    @Test(
        .enabled(if: subgroupWidthIsSettable, "needs a driver whose subgroup width LP_NATIVE_VECTOR_WIDTH sets"),
        arguments: [("128", 4, ""), ("1024", 32, "discrete-gpu:132"), ("2048", 64, "discrete-gpu:16")])
    func selftestPassesAtEverySubgroupWidth(width: String, lanes: Int, plannedAs: String) throws {
        // Pipelines compiled at one width are kept apart from the others' (ours in a fresh folder, Mesa's in
        // one per width kept between runs).
        let environment = [
            "LP_NATIVE_VECTOR_WIDTH": width, "VAE_VULKAN_PLAN_AS": plannedAs,
            "XDG_CACHE_HOME": temporaryDirectory(),
            "MESA_SHADER_CACHE_DIR": VAERun.mesaShaderCache("mesa-width-\(width)"),
        ]
        let devices = try VAERun(["devices"], environment: environment)
        #expect(devices.stdout.contains("subgroup \(lanes),"), "\(devices.stdout)")
        let run = try VAERun(
            ["selftest", "--device", "vulkan", "--quick", "--families", Self.widthSensitiveFamilies],
            environment: environment)
        #expect(run.status == 0, "\(run.stdout.suffix(2000))\(run.stderr)")
        #expect(run.stdout.contains(" passed, 0 failed"), "\(run.stdout)")
        #expect(run.stdout.contains("  row_sum ") && !run.stdout.contains("  adam "), "\(run.stdout)")
        let planned = plannedAs.isEmpty ? "(CPU)" : "(CPU, planned as discrete GPU"
        #expect(run.stdout.contains(planned), "\(run.stdout)")
    }

    /// `--families` takes the kernel families by name and refuses an unknown one, naming them all.
    @Test func selftestTakesFamiliesByName() throws {
        let run = try VAERun(["selftest", "--device", "cpu", "--families", "sum,fill"])
        #expect(run.status == 0 && run.stdout.contains("  sum ") && run.stdout.contains("  fill "), "\(run.stdout)")
        #expect(!run.stdout.contains("  matmul "), "\(run.stdout)")
        let bad = try VAERun(["selftest", "--device", "cpu", "--families", "sum,convolve"])
        #expect(bad.status == 1 && bad.stderr.contains("no kernel family 'convolve'") && bad.stderr.contains("row_sum"))
    }

    /// The training measurement reads its data as `train` does (preprocessing options included) and
    /// compares where the images are kept in one run.
    @Test func benchTakesDataOptionsAndComparesPlacements() throws {
        let run = try VAERun([
            "bench", "--device", "cpu", "--what", "training", "--images", "64", "--data", "synthetic:shapes",
            "--image-size", "16", "--channels", "1", "--data-placement", "device,host", "--json",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(object["training_model"] as? String == "256-400-20", "\(object)")
        let both = try #require(object["training_by_placement"] as? [String: [String: Any]])
        #expect(both["device"]?["data_placement"] as? String == "device")
        #expect(both["host"]?["data_placement"] as? String == "host")
        let bad = try VAERun(["bench", "--device", "cpu", "--what", "training", "--data-placement", "disk"])
        #expect(
            bad.status == 1 && bad.stderr.contains("--data-placement must be auto, device or host"), "\(bad.stderr)")
    }
}

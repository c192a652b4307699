import Foundation
import TestSupport
import Testing

@testable import VAE

/// A `vae` process left running while a test watches its output and signals it.
final class LiveRun: @unchecked Sendable {
    let process = Process()
    private let lock = NSLock()
    private var output = Data(), errors = Data()

    init(_ arguments: [String]) throws {
        process.executableURL = VAERun.executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(filePath: VAERun.root)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        for (pipe, isError) in [(out, false), (err, true)] {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] h in
                let data = h.availableData
                if data.isEmpty { h.readabilityHandler = nil } else { self?.append(data, error: isError) }
            }
        }
        try process.run()
    }

    private func append(_ data: Data, error: Bool) {
        lock.lock(); defer { lock.unlock() }
        if error { errors.append(data) } else { output.append(data) }
    }

    var stdout: String { lock.lock(); defer { lock.unlock() }; return String(decoding: output, as: UTF8.self) }
    var stderr: String { lock.lock(); defer { lock.unlock() }; return String(decoding: errors, as: UTF8.self) }

    /// Waits (up to `seconds`) until standard output or standard error (where progress goes) contains `text`.
    func waitFor(_ text: String, seconds: Double = 60) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        func seen() -> Bool { stdout.contains(text) || stderr.contains(text) }
        while Date() < deadline {
            if seen() { return true }
            if !process.isRunning { return seen() }
            usleep(20_000)
        }
        return false
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Waits (up to `seconds`, then kills it) for the process to end and returns its exit status (128 + N
    /// when a signal N killed it).
    func finish(seconds: Double = VAERun.defaultTimeout) -> Int32 {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { signal(SIGKILL) }
        process.waitUntilExit()
        usleep(50_000)  // the last output still in the pipes
        return process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
    }
}

/// The hardening contract seen from the command line: sizes, run folders, signals, kills, disk full.
@Suite("vae command line: hostile use")
struct HardeningCLITests {
    /// Long enough to be interrupted (debug builds train a few thousand images a second).
    static let long = [
        "--epochs", "50", "--train-limit", "20000", "--test-limit", "64", "--hidden", "64", "--latent", "4", "--device",
        "cpu",
    ]

    @Test(arguments: [
        (["train", "--hidden", "400,,400"], "--hidden must be positive sizes separated by commas, got '400,,400'"),
        (["train", "--hidden", ","], "--hidden"),
        (["train", "--hidden=-4"], "--hidden"),
        (["train", "--latent=-5"], "--latent must be positive, got -5"),
        (["train", "--batch-size=-1"], "--batch-size must be positive"),
        (["train", "--train-limit=-3"], "--train-limit must be positive"),
        (
            ["train", "--hidden", "100000000", "--device", "cpu"],
            "a 784-100000000-20 model: needs 2.6 TB, the device (CPU (fast)) has"
        ),
        (["train", "--latent", "9223372036854775807", "--device", "cpu"], "too large to count"),
        (["train", "--resume", "--overwrite", "--out", "/tmp/x"], "give one"),
        (["train", "--log-variance", "nan", "--likelihood", "gaussian"], "--log-variance must be a finite number"),
        (["train", "--lr-schedule", "warm"], "--lr-schedule must be constant or cosine, got 'warm'"),
        (
            ["train", "--lr-schedule", "cosine", "--lr-min", "0.1"],
            "--lr-min must be between 0 and --lr (0.001), got 0.1"
        ),
        (["train", "--lr-min", "0.0001"], "--lr-min and --lr-decay-epochs need a decaying --lr-schedule (cosine)"),
        (
            ["train", "--lr-schedule", "cosine", "--lr-decay-epochs", "0"],
            "--lr-decay-epochs must be at least 1, got 0"
        ),
        (["eval", "--checkpoint", "x", "--iwae", "999999999999"], "--iwae takes at most 268435456 samples"),
        (["eval", "--checkpoint", "x", "--batch-size", "0"], "--batch-size must be positive"),
        (["bench", "--repetitions=-2"], "--repetitions must be positive"),
        (["bench", "--convolutions", "fft"], "--convolutions must be auto, direct or tiled, got 'fft'"),
        (["bench", "--sgemm-size", "9223372036854775807"], "--sgemm-size 9223372036854775807"),
        (["bench", "--sgemm-size", "2000000"], "needs 48 TB, the machine has"),
        (["bench", "--images", "0"], "--images must be positive"),
        (["sample", "--checkpoint", "/dev/zero", "--out", "/tmp/x.png"], "/dev/zero: is not a regular file"),
        (["plot", "/nonexistent-run"], "/nonexistent-run/metrics.csv"),
    ])
    func badSizesAndListsFailWithOneLine(arguments: [String], expected: String) throws {
        let run = try VAERun(arguments)
        #expect(run.status == 1)
        #expect(run.stderr.contains(expected), "stderr: \(run.stderr)")
        #expect(run.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "stderr: \(run.stderr)")
    }

    /// A command line that does not parse: one line naming the problem and where help is, status 64 (EX_USAGE).
    @Test(arguments: [
        (["train", "--hidden", "-4"], "Missing value for '--hidden <hidden>' (see 'vae train --help')"),
        (["train", "--bogus"], "Unknown option '--bogus'"),
        (
            ["attribute", "--from-label", "300", "--to-label", "1", "--checkpoint", "x", "--out", "y.png"],
            "'300' is invalid for '--from-label"
        ),
        (["nosuch"], "Unexpected argument 'nosuch' (see 'vae --help')"),
        (["eval"], "Missing expected argument '--checkpoint <checkpoint>'"),
    ])
    func unparsableCommandLinesFailWithOneLine(arguments: [String], expected: String) throws {
        let run = try VAERun(arguments)
        #expect(run.status == 64)
        #expect(run.stderr.hasPrefix("vae: error: ") && run.stderr.contains(expected), "stderr: \(run.stderr)")
        #expect(run.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "stderr: \(run.stderr)")
    }

    @Test func helpStillPrintsTheUsage() throws {
        let run = try VAERun(["train", "--help"])
        #expect(
            run.status == 0 && run.stdout.contains("USAGE: vae train") && run.stdout.contains("--overwrite"),
            "\(run.stdout)")
    }

    /// Pictures and tensors: hostile sizes and outputs on a real checkpoint.
    @Test(arguments: [
        (["sample", "--count", "9223372036854775807"], "--count must be at most 1024"),
        (["sample", "--count", "1000000000"], "--count must be at most 1024, got 1000000000"),
        (["sample", "--count=-1"], "--count must be positive"),
        (["manifold", "--size", "3037000500"], "2 latent dimensions"),
        (["jdiagram", "--corners", "1,2,3", "--size", "9223372036854775807"], "--size 9223372036854775807"),
        (["interpolate", "--from", "1", "--to", "2", "--steps", "9223372036854775807"], "--steps 9223372036854775807"),
        (["traverse", "--steps", "4611686018427387904"], "--steps 4611686018427387904"),
        (
            ["attribute", "--from-label", "1", "--to-label", "2", "--steps", "9223372036854775807"],
            "too large to count"
        ),
        (["attribute", "--from-label", "1", "--to-label", "2", "--steps", "1"], "--steps must be at least 2"),
    ])
    func hostilePictureSizesFailWithOneLine(arguments: [String], expected: String) throws {
        let run = try VAERun(
            arguments + [
                "--checkpoint", CLITests.explorationRun + "/model.safetensors", "--out",
                temporaryDirectory() + "/x.png",
                "--device", "cpu",
            ])
        #expect(run.status == 1)
        #expect(run.stderr.contains(expected), "stderr: \(run.stderr)")
        #expect(run.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "stderr: \(run.stderr)")
    }

    /// An output may not be one of the inputs, a folder, or someone's file that is not a picture.
    @Test func picturesNeverOverwriteInputsOrOtherFiles() throws {
        let checkpoint = CLITests.explorationRun + "/model.safetensors"
        let before = try Data(contentsOf: URL(filePath: checkpoint))
        let dir = temporaryDirectory()
        FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("mine".utf8))
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.png", withDestinationPath: checkpoint)
        for (out, expected) in [
            (checkpoint, "is the command's own input"), (dir + "/link.png", "is the command's own input"),
            (dir + "/../" + URL(filePath: dir).lastPathComponent + "/notes.txt", "is not a PNG picture"),
            (dir, "is a folder"), (dir + "/x.jpg", "pictures are written as PNG; give a name ending in .png"),
        ] {
            let run = try VAERun(["sample", "--checkpoint", checkpoint, "--out", out, "--device", "cpu"])
            #expect(run.status == 1 && run.stderr.contains(expected), "\(out): \(run.stderr)")
        }
        #expect(try Data(contentsOf: URL(filePath: checkpoint)) == before)
        #expect(try String(contentsOfFile: dir + "/notes.txt", encoding: .utf8) == "mine")
        let plot = try VAERun(["plot", CLITests.explorationRun, "--out", CLITests.explorationRun + "/metrics.csv"])
        #expect(plot.status == 1 && plot.stderr.contains("own input"), "\(plot.stderr)")
        // An existing PNG is a picture to replace.
        let png = dir + "/old.png"
        #expect(try VAERun(["sample", "--checkpoint", checkpoint, "--out", png, "--device", "cpu"]).status == 0)
        #expect(
            try VAERun(["sample", "--checkpoint", checkpoint, "--out", png, "--count", "8", "--device", "cpu"]).status
                == 0)
    }

    @Test func argumentsThatAreNotUTF8AreRefused() throws {
        let process = Process()
        process.executableURL = URL(filePath: "/bin/sh")
        // printf writes the byte 0xFF into the argument; Swift's String would have replaced it with U+FFFD.
        process.arguments = [
            "-c", "\"$0\" sample --checkpoint \"$(printf '/tmp/\\377.safetensors')\" --out /tmp/x.png",
            VAERun.executable.path,
        ]
        let err = Pipe()
        process.standardError = err
        let (bytes, _, status) = try VAERun.collect(process, stdout: err, stderr: nil, timeout: VAERun.defaultTimeout)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(status == 1)
        #expect(text.contains("argument 3 is not valid UTF-8"), "\(text)")
    }

    /// A folder that holds a run is continued or replaced only when asked; --resume takes the run's own
    /// settings and refuses options that contradict them.
    @Test func runsAreNotOverwrittenAndResumeKeepsTheirSettings() throws {
        let out = temporaryDirectory() + "/run"
        let first = try VAERun(["train"] + quick + ["--out", out, "--seed", "9", "--batch-size", "64"])
        #expect(first.status == 0, "\(first.stderr)")
        let model = try Data(contentsOf: URL(filePath: out + "/model.safetensors"))
        let again = try VAERun(["train"] + quick + ["--out", out])
        #expect(
            again.status == 1
                && again.stderr.contains("already holds a run; --resume continues it, --overwrite replaces it"),
            "\(again.stderr)")
        #expect(try Data(contentsOf: URL(filePath: out + "/model.safetensors")) == model)
        let contradicting = try VAERun([
            "train", "--epochs", "2", "--train-limit", "256", "--test-limit", "64", "--latent", "8", "--seed", "3",
            "--binarize", "dynamic", "--device", "cpu", "--out", out, "--resume",
        ])
        #expect(contradicting.status == 1)
        for text in [
            "--latent 8 (the run has 4)", "--seed 3 (the run has 9)", "--binarize dynamic (the run has none)",
            "training data of 256 images (the run trained on 512",
        ] {
            #expect(contradicting.stderr.contains(text), "\(text): \(contradicting.stderr)")
        }
        // Without the contradicting options the run continues with its own seed and batch size.
        let resumed = try VAERun([
            "train", "--epochs", "2", "--train-limit", "512", "--test-limit", "64", "--device", "cpu", "--out", out,
            "--resume",
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            resumed.stdout.contains("batch 64") && resumed.stdout.contains("seed 9")
                && resumed.stdout.contains("epoch  2  train"), "\(resumed.stdout)")
        let metadata = try Checkpoint.metadata(at: out + "/model.safetensors")
        #expect(metadata["seed"] == "9" && metadata["train.batch_size"] == "64" && metadata["epoch"] == "2")
        let replaced = try VAERun(["train"] + quick + ["--out", out, "--overwrite"])
        #expect(replaced.status == 0, "\(replaced.stderr)")
        #expect(try Checkpoint.metadata(at: out + "/model.safetensors")["epoch"] == "1")
        let nothing = try VAERun(["train"] + quick + ["--out", temporaryDirectory() + "/empty", "--resume"])
        #expect(nothing.status == 1 && nothing.stderr.contains("holds no run to resume"), "\(nothing.stderr)")
    }

    /// Inconsistent files (an epoch's metrics row dropped, a model from another save) are named on --resume.
    @Test func resumeRefusesAMixedRun() throws {
        let out = temporaryDirectory() + "/run"
        #expect(try VAERun(["train"] + quick.map { $0 == "1" ? "2" : $0 } + ["--out", out]).status == 0)
        let metrics = out + "/metrics.csv"
        let rows = try String(contentsOfFile: metrics, encoding: .utf8).split(separator: "\n")
        try (rows.dropLast().joined(separator: "\n") + "\n").write(toFile: metrics, atomically: true, encoding: .utf8)
        let run = try VAERun(["train"] + quick.map { $0 == "1" ? "3" : $0 } + ["--out", out, "--resume"])
        #expect(
            run.status == 1 && run.stderr.contains("metrics.csv ends at epoch 1 but the model is at epoch 2"),
            "\(run.stderr)")
    }

    /// `--epochs 0` writes the untrained model (and says exactly what it wrote); --resume continues it.
    @Test func zeroEpochsSaysWhatItWrote() throws {
        let out = temporaryDirectory() + "/run"
        let run = try VAERun(["train"] + quick.map { $0 == "1" ? "0" : $0 } + ["--out", out])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stdout.contains(
                "wrote model.safetensors, optimizer.safetensors, metrics.csv, metrics.jsonl, run.json, samples.png, reconstructions.png, events.out.tfevents."
            ),
            "\(run.stdout)")
        #expect(!FileManager.default.fileExists(atPath: out + "/loss.png"))
        let resumed = try VAERun(["train"] + quick + ["--out", out, "--resume"])
        #expect(
            resumed.status == 0 && resumed.stdout.contains("resuming") && resumed.stdout.contains("epoch  1  train"),
            "\(resumed.stderr)")
    }

    @Test func nonFiniteCheckpointsAreRefusedByEveryReader() throws {
        let dir = temporaryDirectory()
        var file = try SafeTensors(contentsOf: CLITests.explorationRun + "/model.safetensors")
        file.tensors["fc4.bias"]!.values[3] = .nan
        try file.write(to: dir + "/nan.safetensors")
        for command in [
            ["eval"], ["sample", "--out", dir + "/s.png"], ["reconstruct", "--out", dir + "/r.png"],
            ["interpolate", "--from", "0", "--to", "1", "--out", dir + "/i.png"],
            ["traverse", "--out", dir + "/t.png"],
        ] {
            let run = try VAERun(command + ["--checkpoint", dir + "/nan.safetensors", "--device", "cpu"])
            #expect(
                run.status == 1 && run.stderr.contains("nan.safetensors: tensor fc4.bias holds a non-finite value"),
                "\(command[0]): \(run.stderr)")
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir) == ["nan.safetensors"], "no picture was written")
    }

    /// Data whose images do not fit the model: the error names the data folder and the checkpoint or run.
    @Test func dataOfAnotherSizeNamesBothSides() throws {
        let data = blankMNISTFolder(side: 14)
        let checkpoint = CLITests.explorationRun + "/model.safetensors"
        for command in [
            ["eval"], ["reconstruct", "--out", temporaryDirectory() + "/r.png"],
            ["traverse", "--out", temporaryDirectory() + "/t.png"],
        ] {
            let run = try VAERun(command + ["--checkpoint", checkpoint, "--data", data, "--device", "cpu"])
            #expect(
                run.status == 1 && run.stderr.contains("\(data) has 14×14 images but \(checkpoint) takes 28×28"),
                "\(run.stderr)")
        }
        let resume = try VAERun([
            "train", "--data", data, "--out", CLITests.explorationRun, "--resume", "--device", "cpu",
        ])
        #expect(
            resume.status == 1
                && resume.stderr.contains(
                    "\(data) has 14×14 images but the run in \(CLITests.explorationRun) takes 28×28"),
            "\(resume.stderr)")
    }

    /// Hostile data and checkpoint files through the binary: a gzip whose trailer understates its size (a
    /// decompression bomb stops early), and a checkpoint that defines a tensor twice.
    @Test func hostileFilesThroughTheBinary() throws {
        let data = temporaryDirectory()
        for name in ["train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] {
            try FileManager.default.copyItem(atPath: VAERun.root + "/Data/mnist/" + name, toPath: data + "/" + name)
        }
        var bomb = try Data(contentsOf: URL(filePath: VAERun.root + "/Data/mnist/train-images-idx3-ubyte.gz"))
        bomb.replaceSubrange((bomb.count - 4)..<bomb.count, with: [0x10, 0x27, 0, 0])  // "10000 bytes"
        try bomb.write(to: URL(filePath: data + "/train-images-idx3-ubyte.gz"))
        let train = try VAERun(["train"] + quick + ["--data", data, "--out", temporaryDirectory() + "/run"])
        #expect(
            train.status == 1
                && train.stderr.contains(
                    "train-images-idx3-ubyte.gz: inflates past the 10000 bytes its gzip trailer records"),
            "\(train.stderr)")

        let good = try Data(contentsOf: URL(filePath: CLITests.explorationRun + "/model.safetensors"))
        let length = Int(good.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.1) << (8 * UInt64($1.0)) })
        let header = String(decoding: good[8..<(8 + length)], as: UTF8.self)
        // fc21.bias renamed fc22.bias: a name of the same length, so every offset stays valid and only the
        // duplicate is wrong (a JSON parser alone would keep one of the two definitions silently).
        let twice = header.replacingOccurrences(of: "\"fc21.bias\"", with: "\"fc22.bias\"")
        var file = good
        file.replaceSubrange(8..<(8 + length), with: Data(twice.utf8))
        let path = temporaryDirectory() + "/twice.safetensors"
        try file.write(to: URL(filePath: path))
        let eval = try VAERun(["eval", "--checkpoint", path, "--device", "cpu"])
        #expect(
            eval.status == 1 && eval.stderr.contains("the name 'fc22.bias' appears twice in the header"),
            "\(eval.stderr)")
    }

    /// A second training into a folder in use fails at once and names the owner.
    @Test func aRunningTrainingLocksItsFolder() throws {
        let out = temporaryDirectory() + "/run"
        let first = try LiveRun(["train"] + Self.long + ["--out", out])
        #expect(first.waitFor("epoch 1 step"), "\(first.stderr)")
        let second = try VAERun(["train"] + quick + ["--out", out, "--resume"])
        #expect(second.status == 1)
        #expect(
            second.stderr.contains("is in use by another training run (pid \(first.process.processIdentifier))"),
            "\(second.stderr)")
        first.signal(SIGKILL)
        _ = first.finish()
        // The kernel released the lock with the process: a later run gets the folder.
        let later = try VAERun(["train"] + quick + ["--out", out, "--overwrite"])
        #expect(later.status == 0, "\(later.stderr)")
    }

    /// Ctrl-C and SIGTERM stop at the next step with the conventional status, say what was kept, and the
    /// run continues from it.
    @Test(arguments: [(SIGINT, Int32(130)), (SIGTERM, Int32(143))])
    func signalsStopCleanlyAndTheRunResumes(signal: Int32, status: Int32) throws {
        let out = temporaryDirectory() + "/run"
        let run = try LiveRun(["train"] + Self.long + ["--out", out])
        #expect(run.waitFor("epoch  1  train"), "\(run.stderr)")
        run.signal(signal)
        #expect(run.finish() == status)
        let said = run.stderr
        #expect(said.contains("keeps epoch") || said.contains("stopped after saving epoch"), "\(said)")
        #expect(said.contains("--resume continues from there"), "\(said)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(!names.contains { $0.contains(".tmp-") || $0.hasSuffix(".pending") || $0 == ".commit" }, "\(names)")
        let kept = try #require(Int(try Checkpoint.metadata(at: out + "/model.safetensors")["epoch"] ?? ""))
        let resumed = try VAERun(
            ["train"] + Self.long.map { $0 == "50" ? String(kept + 1) : $0 } + ["--out", out, "--resume"])
        #expect(
            resumed.status == 0 && resumed.stdout.contains("resuming \(out) at epoch \(kept + 1)"), "\(resumed.stderr)")
    }

    /// A second stop signal stops at once, without finishing the step or saying what was kept. Two signals of
    /// one kind sent together may merge into one (a pending signal is not queued twice) and take the first
    /// signal's path, so a SIGINT and a SIGTERM are sent: both are delivered, possibly to two threads at
    /// once, and whichever is handled second stops the run (exit 128 + its number). Only that path says
    /// "stopped at once"; only the first one says what the folder keeps.
    @Test func aSecondInterruptStopsAtOnce() throws {
        let run = try LiveRun(["train"] + Self.long + ["--out", temporaryDirectory() + "/run"])
        #expect(run.waitFor("epoch 1 step"), "\(run.stderr)")
        run.signal(SIGINT)
        run.signal(SIGTERM)
        let status = run.finish()
        #expect(status == 128 + SIGTERM || status == 128 + SIGINT, "\(status): \(run.stderr)")
        #expect(run.stderr.contains("stopped at once (second signal)"), "\(run.stderr)")
        #expect(!run.stderr.contains("interrupted in epoch") && !run.stderr.contains("keeps epoch"), "\(run.stderr)")
    }

    /// SIGKILL at varied moments (loading, training, evaluating, mid-commit), then --resume, again and
    /// again: every restart continues exactly, and the finished run is the uninterrupted run, bit for bit.
    /// The moments are the test's subject, so here (alone in the suite) a kill follows a delay rather than a
    /// state: any moment must be survivable, and every outcome of a kill is checked the same way.
    @Test func killedAtRandomMomentsTheRunContinuesExactly() throws {
        let epochs = 14
        let arguments = [
            "train", "--epochs", String(epochs), "--train-limit", "640", "--test-limit", "64", "--hidden", "32",
            "--latent", "4",
            "--device", "cpu",
        ]
        let straight = temporaryDirectory() + "/straight"
        let start = Date()
        #expect(try VAERun(arguments + ["--out", straight]).status == 0)
        let whole = Date().timeIntervalSince(start)
        let killed = temporaryDirectory() + "/killed"
        // Delays from one fixed sequence (golden-ratio steps over 5…60 % of the uninterrupted run's time, so
        // the kills land in loading, training, evaluating and committing however fast the build is, and the
        // first three together cover less than one run: at least three kills).
        var kills = 0
        for i in 0..<24 {
            let holdsRun = FileManager.default.fileExists(atPath: killed + "/model.safetensors")
            let run = try LiveRun(arguments + ["--out", killed] + (holdsRun ? ["--resume"] : []))
            let delay = whole * (0.05 + 0.55 * (Double(i) * 0.618_033_988_75).truncatingRemainder(dividingBy: 1))
            usleep(UInt32(delay * 1e6))
            if run.process.isRunning { run.signal(SIGKILL); kills += 1 }
            let status = run.finish()
            #expect(status == 0 || status == 137, "run \(i): \(status) \(run.stderr)")
            if status == 0 { break }
        }
        // However slow the build (sanitizers), the run is finished the same way: resumed if any epoch was saved.
        let saved = FileManager.default.fileExists(atPath: killed + "/model.safetensors")
        let last = try VAERun(arguments + ["--out", killed] + (saved ? ["--resume"] : []))
        #expect(last.status == 0, "\(last.stderr)")
        #expect(kills >= 3, "the loop killed \(kills) runs")
        let a = try SafeTensors(contentsOf: straight + "/model.safetensors"),
            b = try SafeTensors(contentsOf: killed + "/model.safetensors")
        #expect(a.tensors == b.tensors, "the killed-and-resumed run ends where the straight one does")
        #expect(
            try SafeTensors(contentsOf: straight + "/optimizer.safetensors").tensors
                == SafeTensors(contentsOf: killed + "/optimizer.safetensors").tensors)
        func losses(_ dir: String) throws -> [[Substring]] {
            try String(contentsOfFile: dir + "/metrics.csv", encoding: .utf8).split(separator: "\n").map {
                $0.split(separator: ",").prefix(7).map { $0 }
            }
        }
        #expect(try losses(straight) == losses(killed), "every epoch's metrics row, once")
    }

    /// A full disk names the file that could not be written and the reason, keeps nothing half-written,
    /// and a later run in the same folder starts clean.
    @Test func aFullDiskNamesTheFile() throws {
        let dir = temporaryDirectory()
        // A private mount namespace with a 128 kB tmpfs: the first checkpoint (about 200 kB) cannot fit.
        let script = """
            mount -t tmpfs -o size=128k tmpfs "$1" && "$0" train --epochs 1 --train-limit 512 --test-limit 64 --hidden 32 --latent 4 \
              --device cpu --out "$1/run"; status=$?; ls -A "$1/run" 2>/dev/null | sed 's/^/left: /' >&2; exit $status
            """
        let process = Process()
        process.executableURL = URL(filePath: "/usr/bin/unshare")
        process.arguments = ["-rm", "/bin/sh", "-c", script, VAERun.executable.path, dir]
        process.currentDirectoryURL = URL(filePath: VAERun.root)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let (o, e, status) = try VAERun.collect(process, stdout: out, stderr: err, timeout: VAERun.defaultTimeout)
        let listing = String(decoding: o, as: UTF8.self), errors = String(decoding: e, as: UTF8.self)
        #expect(status == 1, "\(errors)")
        #expect(
            errors.contains("\(dir)/run/model.safetensors: cannot be written: no space left on device"), "\(errors)")
        #expect(!errors.contains("Error Domain"), "\(errors)")
        let left = errors.split(separator: "\n").filter { $0.hasPrefix("left: ") }.map { $0.dropFirst(6) }
        #expect(left.allSatisfy { $0 == ".lock" }, "nothing half-written is left: \(left) \(listing)")
    }
}

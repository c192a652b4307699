import Foundation
import TestSupport
import Testing

@testable import VAE

/// What a run folder records besides its state: run.json, the KL weight in metrics.csv, metrics.jsonl,
/// TensorBoard's event file (read back with the tensorboard package) and the pictures of every epoch.
@Suite("run records")
struct RunRecordCLITests {
    static let small = ["--train-limit", "512", "--test-limit", "128", "--hidden", "32", "--quiet"]

    func json(_ path: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: path))) as? [String: Any])
    }

    func jsonLines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    /// What TensorBoard's own loader reads from `folder` (scripts/tensorboard-summary.py).
    func tensorBoard(_ folder: String) throws -> [String: Any] {
        let venv = VAERun.root + "/.build-tools/venv/bin/python3"
        let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "python3"
        let run = try VAERun.shell([python, VAERun.root + "/scripts/tensorboard-summary.py", folder])
        try #require(run.status == 0, "tensorboard-summary.py: \(run.stdout)")
        // The summary is the last line (tensorboard may print notes before it).
        let last = run.stdout.split(separator: "\n").last.map(String.init) ?? ""
        return try #require(JSONSerialization.jsonObject(with: Data(last.utf8)) as? [String: Any])
    }

    @Test func aRunRecordsItsSettingsLossesAndPictures() throws {
        let out = temporaryDirectory() + "/run"
        let run = try VAERun(
            [
                "train", "--epochs", "2", "--beta", "0.5", "--kl-warmup", "2", "--latent", "2", "--keep-pictures",
                "all",
                "--out", out,
            ] + Self.small)
        try #require(run.status == 0, "\(run.stderr)")
        for name in [
            "run.json", "metrics.jsonl", "samples_001.png", "samples_002.png", "samples.png", "manifold.png",
            "loss.png",
        ] {
            #expect(FileManager.default.fileExists(atPath: out + "/" + name), "\(name) missing")
        }

        // run.json: the settings as they applied, the data's absolute path, the model, the session.
        let record = try json(out + "/run.json")
        let settings = try #require(record["settings"] as? [String: Any])
        #expect(settings["beta"] as? Double == 0.5 && settings["kl_warmup"] as? Int == 2)
        #expect(settings["batch_size"] as? Int == 128 && settings["epochs"] as? Int == 2)
        let data = try #require(record["data"] as? [String: Any])
        #expect((data["source"] as? String)?.hasPrefix("/") == true && data["train_images"] as? Int == 512)
        #expect((record["model"] as? [String: Any])?["latent"] as? Int == 2)
        #expect((record["version"] as? String).map { !$0.isEmpty } == true)
        let sessions = try #require(record["sessions"] as? [[String: Any]])
        #expect(sessions.count == 1 && sessions[0]["status"] as? String == "finished")
        #expect(sessions[0]["last_epoch"] as? Int == 2 && sessions[0]["ended"] is String)
        #expect((record["final"] as? [String: Any])?["epoch"] as? Int == 2)

        // metrics.csv: the KL weight rises over the warm-up, and train loss = reconstruction + weight · KL.
        let log = try MetricsLog(contentsOf: out + "/metrics.csv")
        #expect(log.records.map(\.klWeight) == [0.25, 0.5] && log.records.map(\.beta) == [0.5, 0.5])
        for r in log.records {
            #expect(abs(r.train.loss - (r.train.reconstruction + r.klWeight! * r.train.kl)) < 1e-3)
            #expect(abs(r.test.loss - (r.test.reconstruction + r.test.kl)) < 1e-3, "the test loss is the −ELBO")
        }

        // metrics.jsonl: step lines (4 steps per epoch, one log line each) and epoch lines that match the CSV.
        let lines = try jsonLines(out + "/metrics.jsonl")
        #expect(lines.map { $0["kind"] as? String } == ["step", "epoch", "step", "epoch"])
        #expect(lines.map { $0["step"] as? Int } == [4, 4, 8, 8])
        let epochLines = lines.filter { $0["kind"] as? String == "epoch" }
        for (line, r) in zip(epochLines, log.records) {
            let test = try #require(line["test"] as? [String: Double])
            #expect(abs(test["loss"]! - r.test.loss) < 1e-3 && line["kl_weight"] as? Double == r.klWeight)
        }

        // TensorBoard, read by its own loader: the epoch scalars and both pictures at each epoch's step.
        let board = try tensorBoard(out)
        let scalars = try #require(board["scalars"] as? [String: [[Double]]])
        let testLoss = try #require(scalars["epoch/test_loss"])
        #expect(testLoss.map { $0[0] } == [4, 8])
        for (point, r) in zip(testLoss, log.records) { #expect(abs(point[1] - r.test.loss) < 1e-3 * r.test.loss) }
        #expect(scalars["epoch/kl_weight"]?.map { $0[1] } == [0.25, 0.5])
        #expect(scalars["train/loss"]?.count == 2)
        let images = try #require(board["images"] as? [String: [[Int]]])
        #expect(images["samples"]?.map { $0[0] } == [4, 8] && images["reconstructions"]?.count == 2)

        // Resumed: the earlier epochs' lines stay, a second session and a second event file are added.
        let resumed = try VAERun(["train", "--epochs", "3", "--resume", "--out", out] + Self.small)
        try #require(resumed.status == 0, "\(resumed.stderr)")
        let again = try json(out + "/run.json")
        let both = try #require(again["sessions"] as? [[String: Any]])
        #expect(both.map { $0["first_epoch"] as? Int } == [1, 3] && both[1]["status"] as? String == "finished")
        #expect(try jsonLines(out + "/metrics.jsonl").filter { $0["kind"] as? String == "epoch" }.count == 3)
        let events = try FileManager.default.contentsOfDirectory(atPath: out).filter { $0.hasPrefix("events.out.") }
        #expect(events.count == 2)
        #expect(((try tensorBoard(out))["scalars"] as? [String: [[Double]]])?["epoch/test_loss"]?.count == 3)
        #expect(try MetricsLog(contentsOf: out + "/metrics.csv").records.map(\.klWeight) == [0.25, 0.5, 0.5])
    }

    /// A cosine learning rate: announced, recorded per epoch in metrics.csv, metrics.jsonl, TensorBoard-ready
    /// run.json settings, and kept on resume (the decay's length is the first start's --epochs, so later
    /// epochs train at the minimum); a resume that asks for another schedule is refused.
    @Test func aDecayingLearningRateIsRecordedAndKeptOnResume() throws {
        let out = temporaryDirectory() + "/cosine"
        let decay = ["--lr-schedule", "cosine", "--lr-min", "0.0001", "--no-tensorboard"]
        let run = try VAERun(["train", "--epochs", "2", "--out", out] + decay + Self.small)
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("lr 0.001 cosine to 0.0001 over 2 epochs"), "\(run.stdout)")
        #expect(run.stdout.contains("lr 0.00055\n"), "\(run.stdout)")
        let settings = try #require(try json(out + "/run.json")["settings"] as? [String: Any])
        #expect(settings["lr_schedule"] as? String == "cosine" && settings["lr_decay_epochs"] as? Int == 2)
        #expect(try MetricsLog(contentsOf: out + "/metrics.csv").records.map(\.learningRate) == [0.001, 0.00055])

        let other = try VAERun(
            ["train", "--epochs", "3", "--resume", "--out", out, "--lr-schedule", "constant"] + Self.small)
        #expect(
            other.status == 1 && other.stderr.contains("--lr-schedule constant (the run has cosine)"), "\(other.stderr)"
        )
        let resumed = try VAERun(["train", "--epochs", "3", "--resume", "--out", out] + Self.small)
        try #require(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            try MetricsLog(contentsOf: out + "/metrics.csv").records.map(\.learningRate) == [0.001, 0.00055, 0.0001])
        let epochs = try jsonLines(out + "/metrics.jsonl").filter { $0["kind"] as? String == "epoch" }
        #expect(epochs.map { $0["lr"] as? Double } == [0.001, 0.00055, 0.0001])
    }

    /// A run saved before these records existed (9-column metrics.csv, no metrics.jsonl or run.json) resumes
    /// and gains them, its earlier epochs' KL weights taken from its own settings.
    @Test func aRunFromBeforeTheRecordsResumesAndGainsThem() throws {
        let out = temporaryDirectory() + "/old"
        try #require(
            try VAERun(["train", "--epochs", "1", "--beta", "2", "--no-tensorboard", "--out", out] + Self.small).status
                == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).allSatisfy { !$0.hasPrefix("events.") })
        let csv = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
        let legacy =
            csv.split(separator: "\n").map {
                $0.split(separator: ",", omittingEmptySubsequences: false)
                    .prefix(9).joined(separator: ",")
            }.joined(separator: "\n") + "\n"
        try legacy.write(toFile: out + "/metrics.csv", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: out + "/metrics.jsonl")
        try FileManager.default.removeItem(atPath: out + "/run.json")

        let run = try VAERun(["train", "--epochs", "2", "--resume", "--no-tensorboard", "--out", out] + Self.small)
        try #require(run.status == 0, "\(run.stderr)")
        #expect(try MetricsLog(contentsOf: out + "/metrics.csv").records.map(\.klWeight) == [2, 2])
        let lines = try jsonLines(out + "/metrics.jsonl")
        #expect(lines.filter { $0["kind"] as? String == "epoch" }.map { $0["epoch"] as? Int } == [1, 2])
        #expect(((try json(out + "/run.json"))["sessions"] as? [Any])?.count == 1)
    }

    @Test func tensorBoardOptions() throws {
        let dir = temporaryDirectory()
        let run = try VAERun(
            ["train", "--epochs", "1", "--tensorboard", dir + "/board", "--out", dir + "/run"] + Self.small)
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("TensorBoard: \(dir)/board/events.out.tfevents."))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir + "/board").count == 1)
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: dir + "/run").allSatisfy { !$0.hasPrefix("events.") })

        for (arguments, message) in [
            (["--tensorboard", dir, "--no-tensorboard"], "--tensorboard names a folder"),
            (["--keep-pictures", "some"], "--keep-pictures must be last or all, got 'some'"),
        ] {
            let bad = try VAERun(["train", "--epochs", "1", "--out", dir + "/bad"] + arguments + Self.small)
            #expect(
                bad.status == 1 && bad.stderr == "vae: error: \(message)" + bad.stderr.dropFirst(12 + message.count))
            #expect(!FileManager.default.fileExists(atPath: dir + "/bad"))
        }
    }

    /// --overwrite replaces the run's records with its pictures: no old event file, epoch picture or run.json
    /// mixes into the new run.
    @Test func overwriteRemovesTheOldRecords() throws {
        let out = temporaryDirectory() + "/run"
        try #require(
            try VAERun(["train", "--epochs", "2", "--keep-pictures", "all", "--out", out] + Self.small).status == 0)
        let run = try VAERun(["train", "--epochs", "1", "--overwrite", "--out", out] + Self.small)
        try #require(run.status == 0, "\(run.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out)
        #expect(names.filter { $0.hasPrefix("events.out.") }.count == 1)
        #expect(!names.contains("samples_001.png") && !names.contains("samples_002.png"))
        #expect(((try json(out + "/run.json"))["sessions"] as? [Any])?.count == 1)
    }

    /// Commands that read a checkpoint take the run folder that holds it.
    @Test func aRunFolderStandsForItsCheckpoint() throws {
        let dir = temporaryDirectory()
        let train = try VAERun(["train", "--epochs", "1", "--no-tensorboard", "--out", dir + "/run"] + Self.small)
        try #require(train.status == 0, "\(train.stderr)")
        let eval = try VAERun(["eval", "--checkpoint", dir + "/run", "--limit", "64", "--json", "--device", "cpu"])
        #expect(eval.status == 0 && eval.stdout.contains("\"loss\""), "\(eval.stderr)")
        let sample = try VAERun(["sample", "--checkpoint", dir + "/run", "--out", dir + "/s.png", "--device", "cpu"])
        #expect(sample.status == 0 && FileManager.default.fileExists(atPath: dir + "/s.png"), "\(sample.stderr)")
        let empty = try VAERun(["eval", "--checkpoint", dir, "--device", "cpu"])
        #expect(empty.status == 1 && empty.stderr.contains("\(dir)/model.safetensors"), "\(empty.stderr)")
    }

    /// Training on a CPU-emulated Vulkan device (lavapipe) says so, and on a real GPU it does not.
    @Test func anEmulatedGPUIsNamedAsSuch() throws {
        let out = temporaryDirectory() + "/run"
        let run = try VAERun(
            [
                "train", "--epochs", "1", "--device", "vulkan", "--no-tensorboard", "--out", out, "--train-limit",
                "256",
                "--test-limit", "64", "--hidden", "16", "--quiet",
            ])
        try #require(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("emulates a GPU on the CPU") == VulkanCapabilities.isEmulated, "\(run.stderr)")
        let cpu = try VAERun(
            ["train", "--epochs", "1", "--device", "cpu", "--no-tensorboard", "--out", out + "2"] + Self.small)
        #expect(cpu.status == 0 && !cpu.stderr.contains("emulates"), "\(cpu.stderr)")
    }

    /// Whether this CPU runs OpenBLAS's Haswell kernels (AVX2 and FMA), which `OPENBLAS_CORETYPE` can force.
    static let hasAVX2: Bool = {
        let flags = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        return flags.contains(" avx2") && flags.contains(" fma")
    }()

    /// The default run's epoch-1 losses on OpenBLAS's kernels for CPUs without AVX-512 (the pin of
    /// `defaultRunKeepsItsEpochOneLosses` for such machines), here on any CPU that has AVX2: OpenBLAS's
    /// Haswell kernels are forced (`OPENBLAS_CORETYPE=Haswell`; its Zen kernels give the same figures) and
    /// every product goes to OpenBLAS (`VAE_CPU_GEMM=openblas`), so the figures are the kernels', not the
    /// machine's. Measured with `VAE_CPU_GEMM=openblas OPENBLAS_CORETYPE=Haswell vae train --epochs 1 --device cpu`:
    /// train 163.7322, test 127.8037.
    @Test(
        .enabled(if: hasAVX2, "OpenBLAS's Haswell kernels need AVX2"),
        .disabled(if: runningUnderSanitizer != nil, "a pinned figure: checked by the plain suite"))
    func theOpenBLASPinHoldsOnOpenBLASsKernels() throws {
        let out = temporaryDirectory() + "/run"
        let run = try VAERun(
            ["train", "--epochs", "1", "--device", "cpu", "--no-tensorboard", "--quiet", "--out", out],
            environment: ["VAE_CPU_GEMM": "openblas", "OPENBLAS_CORETYPE": "Haswell"])
        try #require(run.status == 0, "\(run.stderr)")
        let row = try #require(
            try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8).split(separator: "\n").last)
        let fields = row.split(separator: ",").map(String.init)
        let train = try #require(Double(fields[1])), test = try #require(Double(fields[4]))
        #expect(abs(train - 163.7322) <= 1e-4 && abs(test - 127.8037) <= 1e-4, "\(row)")
    }
}

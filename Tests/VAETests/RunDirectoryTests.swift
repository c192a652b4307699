import Foundation
import TestSupport
import Testing
import VAECPU
import VAECompute

@testable import VAE

/// A run's files are one unit: a commit interrupted at any stage leaves, once the folder is opened again,
/// every file of the old epoch or every file of the new one.
@Suite("run folders")
struct RunDirectoryTests {
    struct Crash: Error {}

    func files(_ epoch: Int) -> [(name: String, data: Data)] {
        RunDirectory.stateFiles.map { ($0, Data("\($0) of epoch \(epoch)\n".utf8)) }
    }

    func epochs(in dir: String) -> [String] {
        RunDirectory.stateFiles.map { (try? String(contentsOfFile: dir + "/" + $0, encoding: .utf8)) ?? "missing" }
    }

    @Test(arguments: RunDirectory.CommitStage.allCases.indices)
    func aCommitStoppedAtAnyStageLeavesOneEpoch(stage: Int) throws {
        let dir = temporaryDirectory()
        do {
            let run = try RunDirectory(dir)
            try run.commit(epoch: 1, files: files(1))
            #expect(throws: Crash.self) {
                try run.commit(epoch: 2, files: files(2)) { reached in
                    if "\(reached)" == "\(RunDirectory.CommitStage.allCases[stage])" { throw Crash() }
                }
            }
        }
        let reopened = try RunDirectory(dir)
        let found = epochs(in: dir)
        let old = files(1).map { String(decoding: $0.data, as: UTF8.self) },
            new = files(2).map { String(decoding: $0.data, as: UTF8.self) }
        #expect(found == old || found == new, "stage \(stage): \(found)")
        // Before the journal exists the old epoch stays; once it exists the commit is finished.
        #expect(found == (stage == 0 ? old : new), "stage \(stage)")
        #expect(reopened.recovery != nil, "stage \(stage): the repair is reported")
        let left = try FileManager.default.contentsOfDirectory(atPath: dir).sorted()
        #expect(left == [".lock"] + RunDirectory.stateFiles.sorted(), "no pending, journal or temporary files: \(left)")
    }

    @Test func temporaryFilesOfKilledRunsAreSwept() throws {
        let dir = temporaryDirectory()
        for name in [".model.safetensors.tmp-12345", ".metrics.csv.pending", ".samples.png.tmp-9"] {
            FileManager.default.createFile(atPath: dir + "/" + name, contents: Data("partial".utf8))
        }
        FileManager.default.createFile(atPath: dir + "/notes.txt", contents: Data("mine".utf8))
        let run = try RunDirectory(dir)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == [".lock", "notes.txt"])
        #expect(run.recovery?.contains("removed 3") == true)
        #expect(!run.holdsRun)
    }

    @Test func aSecondOpenerIsRefusedWhileTheFirstHoldsTheLock() throws {
        let dir = temporaryDirectory()
        do {
            let first = try RunDirectory(dir)
            withExtendedLifetime(first) {
                #expect { _ = try RunDirectory(dir) } throws: { error in
                    "\(error)".contains(
                        "in use by another training run (pid \(ProcessInfo.processInfo.processIdentifier))")
                }
            }
        }
        _ = try RunDirectory(dir)  // released with its owner
    }

    @Test func aDamagedJournalIsNotGuessedAt() throws {
        let dir = temporaryDirectory()
        FileManager.default.createFile(atPath: dir + "/.commit", contents: Data("epoch 3\n../../etc/passwd\n".utf8))
        #expect { _ = try RunDirectory(dir) } throws: { "\($0)".contains("journal is damaged") }
    }

    @Test func aFolderThatIsAFileIsRefused() throws {
        let path = temporaryDirectory() + "/file"
        FileManager.default.createFile(atPath: path, contents: Data())
        #expect { _ = try RunDirectory(path) } throws: { "\($0)".contains("it is a file, not a run folder") }
    }

    /// The files of a run must describe one epoch; every mismatch is named.
    @Test func resumeChecksTheFilesAgree() throws {
        func log(_ epochs: [Int]) -> MetricsLog {
            var m = MetricsLog()
            m.records = epochs.map {
                EpochRecord(
                    epoch: $0, train: LossSummary(loss: 1, reconstruction: 1, kl: 0),
                    test: LossSummary(loss: 1, reconstruction: 1, kl: 0), seconds: 1, samplesPerSecond: 1)
            }
            return m
        }
        #expect(
            try RunConsistency.epoch(
                model: ["epoch": "2", "step": "8"], optimizer: ["epoch": "2", "step": "8"], metrics: log([1, 2]),
                folder: "r") == 2)
        #expect(
            try RunConsistency.epoch(model: ["epoch": "0"], optimizer: ["epoch": "0"], metrics: log([]), folder: "r")
                == 0)
        let cases: [([String: String], [String: String], [Int], String)] = [
            (["epoch": "2"], ["epoch": "1"], [1, 2], "optimizer.safetensors at 1"),
            (["epoch": "2"], [:], [1, 2], "at no epoch"),
            ([:], ["epoch": "2"], [1, 2], "records no epoch"),
            (["epoch": "2", "step": "8"], ["epoch": "2", "step": "4"], [1, 2], "at step 4"),
            (["epoch": "2"], ["epoch": "2"], [1], "an epoch's metrics row is missing"),
            (["epoch": "2"], ["epoch": "2"], [1, 2, 3], "rows of epochs the model has not reached"),
            (["epoch": "3"], ["epoch": "3"], [1, 3], "no row for epoch 2"),
            (["epoch": "-1"], ["epoch": "-1"], [], "not a count"),
        ]
        for (model, optimizer, rows, expected) in cases {
            #expect {
                _ = try RunConsistency.epoch(model: model, optimizer: optimizer, metrics: log(rows), folder: "r")
            } throws: {
                "\($0)".contains(expected)
            }
        }
    }

    @Test func recordedSettingsOutOfRangeAreRefused() throws {
        #expect(try RunSettings.recorded(in: ["seed": "7", "train.lr": "0.001"], file: "m")["--seed"] == "7")
        for (key, value) in [
            ("seed", "-1"), ("train.lr", "nan"), ("train.batch_size", "x"), ("vae.binarize", "sometimes"),
        ] {
            #expect { _ = try RunSettings.recorded(in: [key: value], file: "m") } throws: { "\($0)".contains(key) }
        }
    }
}

/// The trainer stops where it is asked to, between steps, and says where.
@Suite("interrupting training")
struct InterruptTests {
    @Test func trainingStopsAtTheStepItIsAskedTo() throws {
        let model = try VAEModel(VAEConfiguration(hidden: [8], latent: 2), device: CPUDevice(mode: .fast), seed: 1)
        var options = TrainingOptions()
        options.batchSize = 16
        let trainer = try Trainer(
            model: model, train: Fixtures.mnist.train.prefix(160), test: Fixtures.mnist.test.prefix(16),
            options: options)
        var asked = 0
        #expect {
            _ = try trainer.trainEpoch(
                1,
                shouldStop: {
                    asked += 1; return asked == 3
                })
        } throws: { error in
            guard let stop = error as? TrainingInterrupted else { return false }
            return stop.epoch == 1 && stop.step == 3 && stop.steps == 10
                && "\(stop)" == "interrupted in epoch 1 after step 3 of 10"
        }
        #expect(try model.step() == 3, "three steps ran, no more")
    }
}

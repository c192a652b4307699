import Foundation
import TestSupport
import Testing

@testable import VAE

#if MPI
    /// `vae train` under `mpirun` (this build has the MPI trait: scripts/test-mpi.sh): separate processes, each
    /// with its own device, train as one process does, write one set of outputs, resume across rank counts,
    /// and a rank that fails or disagrees ends the whole job.
    @Suite("MPI data-parallel training", .serialized)
    struct MPICLITests {
        static let small = [
            "--train-limit", "600", "--test-limit", "128", "--hidden", "48", "--latent", "6", "--batch-size", "100",
            "--binarize", "dynamic", "--no-tensorboard", "--quiet",
        ]

        /// `mpirun -np N vae …` (as root in CI, more ranks than cores allowed).
        static func mpirun(_ ranks: Int, _ arguments: [String]) throws -> VAERun {
            try VAERun.shell(
                ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", String(ranks), VAERun.executable.path]
                    + arguments)
        }

        static func records(_ folder: String) throws -> [EpochRecord] {
            try MetricsLog(contentsOf: folder + "/metrics.csv").records
        }

        /// Losses within 1e-4 relative: the ranks sum in another order than one process does.
        static func expectSame(_ a: [EpochRecord], _ b: [EpochRecord], _ what: String) {
            #expect(a.count == b.count, "\(what): \(a.count) vs \(b.count) epochs")
            for (x, y) in zip(a, b) {
                for (p, q) in [(x.train.loss, y.train.loss), (x.test.loss, y.test.loss), (x.test.kl, y.test.kl)] {
                    #expect(abs(p - q) <= 1e-4 * max(1, abs(q)), "\(what) epoch \(x.epoch): \(p) vs \(q)")
                }
            }
        }

        @Test(arguments: ["cpu", "vulkan"])
        func twoRanksTrainAsOneProcess(device: String) throws {
            let dir = temporaryDirectory()
            let arguments = ["train", "--epochs", "2", "--device", device] + Self.small
            let one = try VAERun(arguments + ["--out", dir + "/one"])
            try #require(one.status == 0, "\(one.stderr)")
            let two = try Self.mpirun(2, arguments + ["--out", dir + "/two"])
            try #require(two.status == 0, "\(two.stdout)")
            Self.expectSame(try Self.records(dir + "/two"), try Self.records(dir + "/one"), device)
            // One set of outputs, one epoch line each, and the run says how it was made.
            #expect(two.stdout.components(separatedBy: "epoch  2  train").count == 2, "\(two.stdout)")
            #expect(two.stdout.contains("rank 0 of 2"), "\(two.stdout)")
            #expect(two.stdout.contains("data parallel: 2 ranks; gradient sum ("), "\(two.stdout)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["one", "two"])
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: dir + "/two/run.json")))
            let sessions = (record as? [String: Any])?["sessions"] as? [[String: Any]]
            #expect(sessions?.count == 1 && sessions?.first?["ranks"] as? Int == 2, "\(String(describing: sessions))")
        }

        /// A run saved by two ranks resumes with one, and one saved by one resumes with three.
        @Test func resumeAcrossRankCounts() throws {
            let dir = temporaryDirectory()
            let base = ["train", "--device", "cpu"] + Self.small
            try #require(try VAERun(base + ["--epochs", "3", "--out", dir + "/straight"]).status == 0)
            try #require(try Self.mpirun(2, base + ["--epochs", "1", "--out", dir + "/a"]).status == 0)
            let a = try VAERun(base + ["--epochs", "2", "--resume", "--out", dir + "/a"])
            try #require(a.status == 0, "\(a.stderr)")
            let a3 = try Self.mpirun(3, base + ["--epochs", "3", "--resume", "--out", dir + "/a"])
            try #require(a3.status == 0, "\(a3.stdout)")
            Self.expectSame(try Self.records(dir + "/a"), try Self.records(dir + "/straight"), "2, 1, then 3 ranks")
        }

        /// Ranks started with different settings are refused before training; a rank that fails ends the job
        /// naming itself, and leaves no run behind.
        @Test func disagreementAndFailureEndTheJob() throws {
            let dir = temporaryDirectory()
            let base = ["train", "--epochs", "1", "--device", "cpu"] + Self.small
            let exe = VAERun.executable.path
            let mixed = try VAERun.shell(
                ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "1", exe] + base
                    + ["--seed", "1", "--out", dir + "/mixed", ":", "-np", "1", exe] + base
                    + ["--seed", "2", "--out", dir + "/mixed"])
            #expect(mixed.status != 0 && mixed.stdout.contains("the 2 ranks disagree about"), "\(mixed.stdout)")
            let failing = try VAERun.shell(
                ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "1", exe] + base
                    + ["--out", dir + "/failing", ":", "-np", "1", exe] + base
                    + ["--data", "/nonexistent-data", "--out", dir + "/failing"])
            #expect(failing.status != 0, "\(failing.stdout)")
            #expect(
                failing.stdout.contains("vae: error: rank 1 of 2: ") && failing.stdout.contains("/nonexistent-data"),
                "\(failing.stdout)")
            #expect(!FileManager.default.fileExists(atPath: dir + "/failing/model.safetensors"))
        }

        /// A rank killed mid-run (SIGKILL, as the out-of-memory killer sends) ends the whole job, mpirun names
        /// it, and the run's last saved epoch stays whole: it resumes.
        @Test func aKilledRankEndsTheJobAndTheRunResumes() throws {
            let dir = temporaryDirectory()
            let base = ["train", "--device", "cpu"] + Self.small
            let exe = VAERun.executable.path, run = dir + "/run"
            let args = (base + ["--epochs", "1000", "--out", run]).joined(separator: " ")
            // Rank 1 is started through a shell that writes its process number and then becomes vae; it is
            // killed once rank 0 has saved two epochs (a state seen in the run folder, not a guessed delay), so
            // it dies while the job trains on with an epoch on disk.
            let script = """
                mpirun --allow-run-as-root --oversubscribe -np 1 \(exe) \(args) : -np 1 \\
                    sh -c 'echo $$ > \(dir)/rank1.pid; exec "$0" "$@"' \(exe) \(args) &
                job=$!
                for i in $(seq 600); do
                  [ -f \(run)/model.safetensors ] && [ "$(grep -c '^[0-9]' \(run)/metrics.csv)" -ge 2 ] && break
                  sleep 0.1
                done
                kill -9 "$(cat \(dir)/rank1.pid)"
                wait $job
                echo "mpirun exit status $?"
                """
            let killed = try VAERun.shell(["sh", "-c", script])
            #expect(!killed.stdout.contains("mpirun exit status 0"), "\(killed.stdout)")
            #expect(killed.stdout.contains("process rank 1 ") && killed.stdout.contains("signal 9"), "\(killed.stdout)")
            let saved = try Self.records(run)
            try #require(!saved.isEmpty && saved.count < 1000, "\(saved.count) epochs saved")
            let next = String(saved.count + 1)
            let resumed = try VAERun(base + ["--epochs", next, "--resume", "--out", run])
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(try Self.records(run).map(\.epoch) == Array(1...(saved.count + 1)))
        }

        /// A loss that stops being a number (here from a learning rate far too high) stops every rank at the
        /// same step with one clear line, and leaves no run behind.
        @Test func aNonFiniteLossEndsTheJob() throws {
            let run = temporaryDirectory() + "/run"
            let blown = try Self.mpirun(
                2, ["train", "--device", "cpu", "--epochs", "3", "--lr", "1e9", "--out", run] + Self.small)
            #expect(blown.status != 0, "\(blown.stdout)")
            // The first rank to abort ends the others, which may not get to say it too.
            #expect(
                (0..<2).contains {
                    blown.stdout.contains("vae: error: rank \($0) of 2: the loss became NaN or infinite in epoch 1")
                }, "\(blown.stdout)")
            #expect(!FileManager.default.fileExists(atPath: run + "/model.safetensors"))
        }
    }
#else
    /// Without the MPI trait, `vae train` refuses to run as a rank of a job: each would train alone.
    @Suite("without MPI")
    struct NoMPICLITests {
        @Test func ranksNeedAnMPIBuild() throws {
            let asked = try VAERun(["train", "--distributed", "mpi", "--epochs", "0"])
            #expect(asked.status == 1 && asked.stderr.contains("built without MPI"), "\(asked.stderr)")
            let launched = try VAERun(["train", "--epochs", "0"], environment: ["OMPI_COMM_WORLD_SIZE": "2"])
            #expect(launched.status == 1 && launched.stderr.contains("started as one of 2 ranks"), "\(launched.stderr)")
            let bad = try VAERun(["train", "--distributed", "tcp"])
            #expect(bad.status == 1 && bad.stderr.contains("--distributed must be auto, none or mpi"), "\(bad.stderr)")
        }
    }
#endif

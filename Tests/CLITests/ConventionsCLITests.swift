import Foundation
import TestSupport
import Testing

@testable import VAE

/// The command line's conventions: negative numbers are values, usage errors exit 64 and runtime errors 1
/// (each one line, `vae: error: …`), and `plot` compares runs.
@Suite("command-line conventions")
struct ConventionsCLITests {
    @Test func negativeNumbersAreValues() throws {
        let lr = try VAERun(["train", "--lr", "-1"])
        #expect(lr.status == 1 && lr.stderr == "vae: error: --lr must be a positive number, got -1.0\n", "\(lr.stderr)")
        let out = temporaryDirectory() + "/run"
        let gaussian = try VAERun(
            [
                "train", "--epochs", "0", "--likelihood", "gaussian", "--log-variance", "-2", "--no-tensorboard",
                "--out", out,
            ]
                + ["--train-limit", "64", "--test-limit", "16", "--hidden", "8", "--device", "cpu"])
        #expect(gaussian.status == 0, "\(gaussian.stderr)")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: out + "/run.json")))
        #expect(((record as? [String: Any])?["model"] as? [String: Any])?["gaussian_log_variance"] as? Double == -2)
    }

    @Test func usageErrorsExit64AndRuntimeErrors1() throws {
        for (arguments, status, message) in [
            (["trian"], Int32(64), "vae: error: Unexpected argument 'trian' (did you mean 'vae train'?"),
            (["train", "--epochs", "x"], 64, "vae: error: The value 'x' is invalid for '--epochs <epochs>'"),
            (["train", "--epochs", "-1"], 1, "vae: error: --epochs must not be negative, got -1"),
            (["eval", "--checkpoint", "/nonexistent/run"], 1, "vae: error: /nonexistent/run"),
        ] {
            let run = try VAERun(arguments)
            #expect(run.status == status && run.stderr.hasPrefix(message), "\(arguments): \(run.status) \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "\(run.stderr)")
        }
    }

    @Test func plotComparesRunsAndTakesMetricsFiles() throws {
        let dir = temporaryDirectory()
        for (name, beta) in [("a", "1"), ("b", "4")] {
            let run = try VAERun(
                ["train", "--epochs", "2", "--beta", beta, "--no-tensorboard", "--out", dir + "/" + name]
                    + ["--train-limit", "256", "--test-limit", "64", "--hidden", "16", "--device", "cpu", "--quiet"])
            try #require(run.status == 0, "\(run.stderr)")
        }
        let both = try VAERun(["plot", dir + "/a", dir + "/b/metrics.csv", "--out", dir + "/both.png"])
        #expect(both.status == 0 && both.stdout.contains("2 runs"), "\(both.stderr)")
        #expect(try CLITests.pngSize(dir + "/both.png") == (720, 720 + 18))
        let noOut = try VAERun(["plot", dir + "/a", dir + "/b"])
        #expect(noOut.status == 1 && noOut.stderr.contains("needs --out"), "\(noOut.stderr)")
        let one = try VAERun(["plot", dir + "/b/metrics.csv"])
        #expect(one.status == 0 && one.stdout.contains("wrote \(dir)/b/loss.png"), "\(one.stdout) \(one.stderr)")
    }
}

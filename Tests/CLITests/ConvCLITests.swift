import Foundation
import TestSupport
import Testing
import VAECPU

@testable import VAE

/// `--arch conv28` through the binary: training on both backends writes every output, and every command
/// that reads a checkpoint rebuilds the conv model from the file alone.
@Suite("vae command line: conv28")
struct ConvCLITests {
    /// A small conv28 (channels 4,8, dense 16, latent 2: the manifold needs two) on a slice of MNIST.
    static let small = [
        "--arch", "conv28", "--conv-channels", "4,8", "--hidden", "16", "--latent", "2",
        "--train-limit", "256", "--test-limit", "64",
    ]

    static let run: String = {
        let out = temporaryDirectory()
        _ = try? VAERun(["train", "--epochs", "1", "--device", "cpu", "--out", out] + small)
        return out
    }()

    @Test func trainWritesEveryOutputAndResumes() throws {
        for file in [
            "model.safetensors", "optimizer.safetensors", "samples.png", "reconstructions.png", "loss.png",
            "metrics.csv",
        ] {
            #expect(FileManager.default.fileExists(atPath: Self.run + "/" + file), "\(file) missing")
        }
        let resumed = try VAERun([
            "train", "--epochs", "2", "--device", "cpu", "--out", temporaryDirectory(), "--arch", "conv28",
            "--conv-channels", "4",
            "--hidden", "", "--train-limit", "128", "--test-limit", "32",
        ])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(
            resumed.stdout.contains("model: conv28 1×28×28, channels 4, dense none, latent 20"), "\(resumed.stdout)")
        // Resuming keeps the architecture; asking for another one is refused.
        let copy = temporaryDirectory()
        for file in ["model.safetensors", "optimizer.safetensors", "metrics.csv"] {
            try FileManager.default.copyItem(atPath: Self.run + "/" + file, toPath: copy + "/" + file)
        }
        let more = try VAERun([
            "train", "--epochs", "2", "--device", "cpu", "--out", copy, "--resume", "--train-limit", "256",
            "--test-limit", "64",
        ])
        #expect(more.status == 0 && more.stdout.contains("epoch  2  train"), "\(more.stderr)")
        let other = try VAERun([
            "train", "--epochs", "3", "--device", "cpu", "--out", copy, "--resume", "--arch", "mlp",
        ])
        #expect(other.status == 1 && other.stderr.contains("--arch mlp (the run has conv28)"), "\(other.stderr)")
    }

    @Test func trainsOnLavapipe() throws {
        let out = temporaryDirectory()
        let run = try VAERun(
            ["train", "--epochs", "1", "--device", "vulkan", "--validate", "--out", out]
                + Self.small.map { $0 == "256" ? "64" : $0 })
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("device: vulkan") && run.stdout.contains("model: conv28"))
    }

    @Test(arguments: [
        // (Label margins as CLITests.expectPicture describes.)
        (["sample", "--count", "16"], 8 * 30 + 2, 2 * 30 + 2),
        (["reconstruct", "--count", "5"], 17 + 5 * 30 + 2, 2 * 30 + 2),
        (["interpolate", "--from", "0", "--to", "5", "--steps", "6"], 8 * 30 + 2, 18 + 32),
        (["traverse", "--steps", "5"], 13 + 5 * 30 + 2, 18 + 2 * 30 + 2),
        // A seamless grid, as in the VAE paper; z values ("+0.67", 19 + 6) left and above.
        (["manifold", "--size", "4"], 25 + 4 * 28, 18 + 4 * 28),
        (["jdiagram", "--corners", "0,1,2", "--size", "4"], 5 * 30 + 2, 5 * 30 + 2),
        (
            ["attribute", "--from-label", "1", "--to-label", "7", "--count", "3", "--steps", "5"], 17 + 6 * 30 + 2,
            18 + 3 * 30 + 2
        ),
    ])
    func everyPictureCommandReadsTheCheckpoint(arguments: [String], width: Int, height: Int) throws {
        try CLITests.expectPicture(arguments, checkpoint: Self.run + "/model.safetensors", width, height)
    }

    @Test func evalOnBothBackends() throws {
        try CLITests.expectEvalAgreesOnBothBackends(
            checkpoint: Self.run + "/model.safetensors", ["--iwae", "4", "--limit", "32"])
    }

    /// Options and data the architecture cannot take: one line each, status 1.
    @Test func badOptionsAndDataFailWithOneLine() throws {
        let data = blankMNISTFolder(side: 32)
        for (arguments, expected) in [
            (["--arch", "conv28", "--data", data], "--arch conv28 takes 28×28 images, \(data) has 32×32"),
            (["--arch", "conv32"], "--arch must be one of mlp, conv28, conv64, got 'conv32'"),
            (["--conv-channels", "8,8"], "--conv-channels is for the convolutional architectures"),
            (["--arch", "conv28", "--conv-channels", "4,4,4,4,4"], "too many stride-2 layers for 28×28 images"),
            (["--arch", "conv28", "--conv-channels", "4,0"], "--conv-channels must be positive sizes"),
        ] {
            let run = try VAERun(
                ["train", "--epochs", "1", "--device", "cpu", "--out", temporaryDirectory()] + arguments)
            #expect(run.status == 1 && run.stderr.contains(expected), "\(arguments): \(run.stderr)")
            #expect(run.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "\(run.stderr)")
        }
        let eval = try VAERun([
            "eval", "--checkpoint", Self.run + "/model.safetensors", "--data", data, "--device", "cpu",
        ])
        #expect(
            eval.status == 1 && eval.stderr.contains("has 32×32 images but \(Self.run)/model.safetensors takes 28×28"),
            "\(eval.stderr)")
    }
}

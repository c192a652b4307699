import Foundation
import TestSupport
import Testing

@testable import VAE

/// `--arch conv64` through the binary on the synthetic colour shapes: training on both backends writes
/// colour pictures, and every command that reads the checkpoint finds the model and its data from the
/// file alone.
@Suite("vae command line: conv64")
struct Conv64CLITests {
    /// A small conv64 (channels 4,8, latent 2: the manifold needs two) on a slice of the shapes.
    static let small = [
        "--arch", "conv64", "--data", "synthetic:shapes", "--conv-channels", "4,8", "--latent", "2",
        "--train-limit", "96", "--test-limit", "24", "--batch-size", "32",
    ]

    static let run: String = {
        let out = temporaryDirectory()
        _ = try? VAERun(["train", "--epochs", "1", "--device", "cpu", "--out", out] + small)
        return out
    }()

    @Test func trainWritesColourPicturesAndResumes() throws {
        for file in ["model.safetensors", "optimizer.safetensors", "loss.png", "metrics.csv"] {
            #expect(FileManager.default.fileExists(atPath: Self.run + "/" + file), "\(file) missing")
        }
        for (file, width, height) in [
            // 64×64 images at 2×, 4 pixels of padding; reconstructions labelled IN and OUT (2 × 11 + 12).
            ("samples.png", 8 * 132 + 4, 8 * 132 + 4), ("reconstructions.png", 34 + 8 * 132 + 4, 2 * 132 + 4),
        ] {
            let size = try CLITests.pngSize(Self.run + "/" + file)
            #expect(size.0 == width && size.1 == height, "\(file): \(size)")
            #expect(try CLITests.pngColourType(Self.run + "/" + file) == 2, "\(file) is not RGB")
        }
        // Resuming without --data trains on the data the run trained on.
        let copy = temporaryDirectory()
        for file in ["model.safetensors", "optimizer.safetensors", "metrics.csv"] {
            try FileManager.default.copyItem(atPath: Self.run + "/" + file, toPath: copy + "/" + file)
        }
        let more = try VAERun([
            "train", "--epochs", "2", "--device", "cpu", "--out", copy, "--resume", "--train-limit", "96",
            "--test-limit", "24",
        ])
        #expect(more.status == 0 && more.stdout.contains("epoch  2  train"), "\(more.stderr)")
        #expect(more.stdout.contains("batch norm"), "\(more.stdout)")
        let other = try VAERun([
            "train", "--epochs", "3", "--device", "cpu", "--out", copy, "--resume", "--batch-norm", "off",
            "--train-limit", "96", "--test-limit", "24",
        ])
        #expect(other.status == 1 && other.stderr.contains("--batch-norm off (the run has on)"), "\(other.stderr)")
    }

    @Test func trainsOnLavapipe() throws {
        let run = try VAERun(
            ["train", "--epochs", "1", "--device", "vulkan", "--validate", "--out", temporaryDirectory()]
                + Self.small.map { $0 == "96" ? "32" : $0 == "24" ? "8" : $0 })
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("device: vulkan") && run.stdout.contains("model: conv64 3×64×64"), "\(run.stdout)")
    }

    /// No --data: each command takes the shapes the checkpoint records; the pictures are colour.
    @Test(arguments: [
        // 64-pixel images get labels twice as big: 36 rows above, 2 × (4 per character − 1) + 12 at the left.
        (["sample", "--count", "16"], 8 * 66 + 2, 2 * 66 + 2),
        (["reconstruct", "--count", "5"], 34 + 5 * 66 + 2, 2 * 66 + 2),
        (["interpolate", "--from", "0", "--to", "5", "--steps", "6"], 8 * 66 + 2, 36 + 68),
        (["traverse", "--steps", "5"], 26 + 5 * 66 + 2, 36 + 2 * 66 + 2),
        (["manifold", "--size", "3"], 50 + 3 * 64, 36 + 3 * 64),
        (["jdiagram", "--corners", "0,1,2", "--size", "3"], 4 * 66 + 2, 4 * 66 + 2),
        (
            // Rows of the first two discs, whose indices have two digits ("#12": 22 + 12 columns of labels).
            ["attribute", "--from-label", "0", "--to-label", "2", "--count", "2", "--steps", "3"], 34 + 4 * 66 + 2,
            36 + 2 * 66 + 2
        ),
    ])
    func everyPictureCommandReadsTheCheckpoint(arguments: [String], width: Int, height: Int) throws {
        try CLITests.expectPicture(arguments, checkpoint: Self.run + "/model.safetensors", width, height, colourType: 2)
    }

    @Test func evalOnBothBackendsInEvaluationMode() throws {
        try CLITests.expectEvalAgreesOnBothBackends(checkpoint: Self.run + "/model.safetensors", ["--limit", "16"])
    }

    /// Options and data conv64 cannot take: one line each, status 1.
    @Test func badOptionsAndDataFailWithOneLine() throws {
        for (arguments, expected) in [
            (
                ["--arch", "conv64"],
                "/Data/mnist has 28×28; --image-size 64 resizes them, and --data synthetic:shapes has 64×64 colour images"
            ),
            (["--arch", "conv64", "--conv-channels", "2,2,2,2,2,2"], "takes 1 to 5 entries in --conv-channels"),
            (["--arch", "conv28", "--batch-norm", "on"], "--batch-norm is for --arch conv64"),
            (["--arch", "conv64", "--batch-norm", "yes"], "--batch-norm must be on or off, got 'yes'"),
            (["--activation", "gelu"], "--activation must be relu, leaky_relu, tanh, softplus or sigmoid, got 'gelu'"),
            (
                ["--data", "synthetic:faces"],
                "--data synthetic:faces: no such synthetic set (there is synthetic:shapes)"
            ),
        ] {
            let run = try VAERun(
                ["train", "--epochs", "1", "--device", "cpu", "--out", temporaryDirectory()] + arguments)
            #expect(run.status == 1 && run.stderr.contains(expected), "\(arguments): \(run.stderr)")
            #expect(run.stderr.trimmingCharacters(in: .newlines).split(separator: "\n").count == 1, "\(run.stderr)")
        }
        let eval = try VAERun([
            "eval", "--checkpoint", Self.run + "/model.safetensors", "--data", "Data/mnist", "--device", "cpu",
        ])
        #expect(
            eval.status == 1
                && eval.stderr.contains("Data/mnist has 28×28 images but \(Self.run)/model.safetensors takes 3×64×64"),
            "\(eval.stderr)")
    }
}

import CMinizip
import Foundation
import TestSupport
import Testing

@testable import VAE

/// Users' own images through the binary: a folder of PNGs and JPEGs, CIFAR batches and a NumPy archive
/// train and write colour pictures, and commands reading the checkpoint see the images as training did.
@Suite("vae command line: your own data")
struct OwnDataCLITests {
    /// 24 colour images of 12×10 in two class folders, PNG and JPEG, with one file that is not an image.
    static let folder: String = {
        let root = temporaryDirectory()
        for i in 0..<24 {
            let image = DecodedImage(
                width: 12, height: 10, channels: 3,
                pixels: (0..<360).map { UInt8(($0 * (i + 3) + i * 17) % 256) })
            let path = root + "/\(i % 2 == 0 ? "even" : "odd")/\(i)." + (i % 3 == 0 ? "jpg" : "png")
            try? FileManager.default.createDirectory(
                atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let data = i % 3 == 0 ? try! ImageEncoder.jpeg(image) : try! ImageEncoder.png(image)
            FileManager.default.createFile(atPath: path, contents: data)
        }
        FileManager.default.createFile(atPath: root + "/odd/broken.png", contents: Data("no".utf8))
        return root
    }()

    static let tiny = ["--hidden", "16", "--latent", "2", "--batch-size", "8", "--device", "cpu"]

    /// Trained at 8×8 from 12×10 images; eval, reconstruct and attribute need no data options: they take
    /// the folder and the resize from the checkpoint.
    @Test func folderTrainsAndCommandsReuseItsOptions() throws {
        let out = temporaryDirectory()
        let run = try VAERun(
            ["train", "--epochs", "1", "--out", out, "--data", Self.folder, "--image-size", "8", "--test-split", "0.5"]
                + Self.tiny)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains("skipped 1 of 25 files") && run.stderr.contains("broken.png"), "\(run.stderr)")
        #expect(run.stderr.contains("no test part; 12 of its 24 images (50.0%)"), "\(run.stderr)")
        #expect(run.stdout.contains("model: 192-16-2 bernoulli"), "\(run.stdout)")
        #expect(try CLITests.pngColourType(out + "/samples.png") == 2)
        let eval = try VAERun(["eval", "--checkpoint", out + "/model.safetensors", "--device", "cpu"])
        #expect(eval.status == 0 && eval.stdout.contains("test loss"), "\(eval.stdout)\(eval.stderr)")
        try CLITests.expectPicture(
            ["attribute", "--from-label", "0", "--to-label", "1", "--count", "1", "--steps", "2"],
            checkpoint: out + "/model.safetensors", 13 + 3 * 10 + 2, 18 + 10 + 2, colourType: 2)
        let wrong = try VAERun([
            "eval", "--checkpoint", out + "/model.safetensors", "--device", "cpu", "--image-size", "9",
        ])
        #expect(wrong.status == 1 && wrong.stderr.contains("has 3×9×9 images but"), "\(wrong.stderr)")
    }

    /// CIFAR-10 batches at 32×32 train conv64 after --image-size 64, and an .npz trains the MLP.
    @Test func cifarAndNumPyTrain() throws {
        let cifar = temporaryDirectory() + "/cifar-10-batches-bin"
        try FileManager.default.createDirectory(atPath: cifar, withIntermediateDirectories: true)
        for (name, n) in [("data_batch_1.bin", 16), ("test_batch.bin", 4)] {
            var records = [UInt8]()
            for i in 0..<n {
                records.append(UInt8(i % 10))
                for v in 0..<3072 { records.append(UInt8((v / 32 + i * 8) % 256)) }
            }
            FileManager.default.createFile(atPath: cifar + "/" + name, contents: Data(records))
        }
        let out = temporaryDirectory()
        let run = try VAERun([
            "train", "--epochs", "1", "--out", out, "--data", (cifar as NSString).deletingLastPathComponent,
            "--arch", "conv64", "--image-size", "64", "--conv-channels", "4,8", "--latent", "2", "--batch-size", "8",
            "--device", "cpu",
        ])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("16 training and 4 test images"), "\(run.stdout)")
        #expect(try CLITests.pngColourType(out + "/reconstructions.png") == 2)
        let plain = try VAERun([
            "train", "--epochs", "1", "--out", temporaryDirectory(), "--data", cifar, "--arch", "conv64",
        ])
        #expect(plain.status == 1 && plain.stderr.contains("--image-size 64 resizes them"), "\(plain.stderr)")
    }

    /// An .npz of colour float32 images (NHWC, in [0, 1]) with a test array trains and draws in colour.
    @Test func npzTrainsInColour() throws {
        func npy(_ shape: [Int], _ values: [Float]) -> Data {
            let header =
                "{'descr': '<f4', 'fortran_order': False, 'shape': (\(shape.map(String.init).joined(separator: ", "))), }\n"
            var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
            d.append(contentsOf: Array(header.utf8))
            for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { d.append(contentsOf: $0) } }
            return d
        }
        func images(_ n: Int) -> [Float] { (0..<(n * 6 * 6 * 3)).map { Float(($0 * 7) % 11) / 10 } }
        let path = temporaryDirectory() + "/set.npz"
        let zip = zipOpen64(path, 0)!
        for (name, data) in [("train", npy([20, 6, 6, 3], images(20))), ("test", npy([4, 6, 6, 3], images(4)))] {
            var info = zip_fileinfo()
            zipOpenNewFileInZip64(zip, name + ".npy", &info, nil, 0, nil, 0, nil, Z_DEFLATED, Z_DEFAULT_COMPRESSION, 0)
            _ = data.withUnsafeBytes { zipWriteInFileInZip(zip, $0.baseAddress, UInt32($0.count)) }
            zipCloseFileInZip(zip)
        }
        zipClose(zip, nil)
        let out = temporaryDirectory()
        let run = try VAERun(["train", "--epochs", "1", "--out", out, "--data", path] + Self.tiny)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(
            run.stdout.contains("model: 108-16-2") && run.stdout.contains("20 training and 4 test images"),
            "\(run.stdout)")
        #expect(try CLITests.pngColourType(out + "/reconstructions.png") == 2)
    }

    /// Images kept in host memory and streamed per minibatch train to the same losses as images kept on the
    /// device, and the run says where they are.
    @Test func streamedImagesTrainAsResidentOnes() throws {
        var losses: [[Substring]] = []
        for placement in ["device", "host"] {
            let out = temporaryDirectory()
            let run = try VAERun(
                [
                    // --no-cache: the folder's cached decoding would hide another test's warnings.
                    "train", "--epochs", "2", "--out", out, "--data", Self.folder, "--image-size", "8",
                    "--data-placement", placement, "--no-cache",
                ] + Self.tiny)
            #expect(run.status == 0, "\(run.stderr)")
            #expect(
                run.stdout.contains("kept in host memory, each minibatch streamed to the device")
                    == (placement == "host"),
                "\(run.stdout)")
            let csv = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
            // Every column but the two timings (seconds and samples per second).
            losses.append(
                csv.split(separator: "\n").flatMap {
                    $0.split(separator: ",").enumerated().filter { ![7, 8].contains($0.offset) }.map(\.element)
                })
        }
        #expect(losses[0].count > 14 && losses[0] == losses[1], "\(losses)")
    }

    @Test(arguments: [
        (["--data-placement", "gpu"], "--data-placement must be auto, device or host, got 'gpu'"),
        (["--image-size", "0"], "--image-size takes N or HxW, each 1 to 16384, got '0'"),
        (["--image-size", "8x"], "--image-size takes N or HxW"),
        (["--channels", "2"], "--channels must be 1 (grey) or 3 (RGB), got '2'"),
        (["--format", "tiff"], "--format must be idx, folder, cifar or npy, got 'tiff'"),
        (["--test-split", "1.5"], "--test-split must be a fraction between 0 and 1"),
        (["--layout", "hwc"], "--layout must be nhwc or nchw"),
        (["--center-crop", "11"], "--center-crop 11 is larger than the image (10×12)"),
        (["--data", "/nonexistent-folder"], "/nonexistent-folder: no such file"),
    ])
    func badDataOptionsFailWithOneLine(arguments: [String], expected: String) throws {
        let base = arguments.contains("--data") ? [] : ["--data", Self.folder]
        let run = try VAERun(["train", "--epochs", "1", "--out", temporaryDirectory()] + base + arguments + Self.tiny)
        #expect(run.status == 1, "\(run.stdout)")
        let lines = run.stderr.split(separator: "\n").filter { $0.hasPrefix("vae: error") }
        #expect(lines.count == 1 && lines[0].contains(expected), "\(run.stderr)")
    }
}

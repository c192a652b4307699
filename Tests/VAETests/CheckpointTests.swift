import Foundation
import TestSupport
import Testing
import VAECPU
import VAECompute

@testable import VAE

@Suite("checkpoints")
struct CheckpointTests {
    @Test func roundTripKeepsEveryParameterAndTheConfiguration() throws {
        let device = CPUDevice(mode: .fast)
        let config = VAEConfiguration(
            inputSize: 784, hidden: [16], latent: 3, likelihood: .gaussian, gaussianLogVariance: -2,
            learnedVariance: true)
        let model = try VAEModel(config, device: device, seed: 5)
        let path = temporaryDirectory() + "/model.safetensors"
        try Checkpoint.save(model, to: path)
        let loaded = try Checkpoint.load(from: path, device: CPUDevice(mode: .reference))
        #expect(loaded.configuration == config)
        #expect(model.trainedParameters.map(\.name) == loaded.trainedParameters.map(\.name))
        #expect(model.trainedParameters.contains { $0.name == "logvar_x" })
        for (a, b) in zip(model.trainedParameters, loaded.trainedParameters) {
            #expect(try device.download(a.value) == loaded.device.download(b.value), "\(a.name)")
        }
    }

    /// The two heads run as one layer (one weight of mu's rows then logvar's), yet each is drawn from its own
    /// Philox streams as a layer of its own was (layer i's weight from stream 2i, its bias from 2i + 1), and
    /// each is saved and loaded as PyTorch names it: writing one head leaves the other as it was.
    @Test func theHeadsAreOneLayerButTwoCheckpointLayers() throws {
        let device = CPUDevice(mode: .fast)
        let model = try VAEModel(VAEConfiguration(), device: device, seed: 1)
        #expect(model.heads.weight.value.shape == [40, 400] && model.heads.bias.value.shape == [40])
        let layers = [("fc1", 784), ("fc21", 400), ("fc22", 400), ("fc3", 20), ("fc4", 400)]
        for (index, (name, fanIn)) in layers.enumerated() {
            let weight = try #require(model.trainedParameter("\(name).weight")).value
            let bias = try #require(model.trainedParameter("\(name).bias")).value
            let bound = 1 / Float(fanIn).squareRoot(), stream = UInt32(index) << 1
            #expect(
                try device.download(weight)
                    == VAEModel.uniform(count: weight.count, bound: bound, seed: 1, stream: stream), "\(name).weight")
            #expect(
                try device.download(bias)
                    == VAEModel.uniform(count: bias.count, bound: bound, seed: 1, stream: stream | 1), "\(name).bias")
        }
        let whole = try device.download(model.heads.weight.value)
        let mu = try device.download(try #require(model.trainedParameter("fc21.weight")).value)
        let logvar = try #require(model.trainedParameter("fc22.weight")).value
        let logvarValues = try device.download(logvar)
        #expect(Array(whole[..<8000]) == mu && Array(whole[8000...]) == logvarValues)
        try device.upload([Float](repeating: 0.5, count: 8000), to: logvar)
        let after = try device.download(model.heads.weight.value)
        #expect(Array(after[..<8000]) == mu && after[8000...].allSatisfy { $0 == 0.5 })
        let conv = try VAEModel(VAEConfiguration(architecture: .conv28), device: device, seed: 1)
        #expect(conv.trainedParameter("mu.weight") != nil)
        #expect(conv.trainedParameter("logvar.bias") != nil)
    }

    @Test func defaultModelUsesPyTorchExampleNames() throws {
        let model = try VAEModel(VAEConfiguration(), device: CPUDevice(mode: .fast), seed: 1)
        let file = try Checkpoint.contents(of: model)
        let shapes = file.tensors.mapValues(\.shape)
        #expect(
            shapes == [
                "fc1.weight": [400, 784], "fc1.bias": [400], "fc21.weight": [20, 400], "fc21.bias": [20],
                "fc22.weight": [20, 400], "fc22.bias": [20], "fc3.weight": [400, 20], "fc3.bias": [400],
                "fc4.weight": [784, 400], "fc4.bias": [784],
            ])
        let deep = try Checkpoint.contents(
            of: try VAEModel(VAEConfiguration(hidden: [32, 16], latent: 2), device: CPUDevice(mode: .fast), seed: 1))
        #expect(
            Set(deep.tensors.keys)
                == Set(
                    ["encoder.0", "encoder.1", "fc21", "fc22", "decoder.0", "decoder.1", "fc4"].flatMap {
                        ["\($0).weight", "\($0).bias"]
                    }))
        #expect(deep.tensors["decoder.0.weight"]?.shape == [16, 2])
    }

    /// A state_dict saved by PyTorch has no metadata: the architecture is read off the shapes.
    @Test func pyTorchFileWithoutMetadataLoads() throws {
        let model = try VAEModel(VAEConfiguration(hidden: [24], latent: 5), device: CPUDevice(mode: .fast), seed: 2)
        var file = try Checkpoint.contents(of: model)
        file.metadata = [:]
        let path = temporaryDirectory() + "/torch.safetensors"
        try file.write(to: path)
        let loaded = try Checkpoint.load(from: path, device: CPUDevice(mode: .fast))
        #expect(
            loaded.configuration.hidden == [24] && loaded.configuration.latent == 5
                && loaded.configuration.imageWidth == 28)
    }

    /// A checkpoint written by PyTorch's safetensors library (scripts/fixtures/make-pytorch-checkpoint.py)
    /// loads, and the model computes what PyTorch computed from it, on the CPU and on Vulkan.
    @Test func pyTorchSavedCheckpointComputesWhatPyTorchDid() throws {
        let base = Fixtures.root + "/Tests/VAETests/Fixtures/pytorch-784-8-2"
        let expected = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(filePath: base + ".json")))
                as? [String: [Double]])
        for device in [CPUDevice(mode: .fast), try VulkanTestDevice.make()] as [any ComputeDevice] {
            let model = try Checkpoint.load(from: base + ".safetensors", device: device)
            #expect(model.configuration.hidden == [8] && model.configuration.latent == 2)
            let image = Fixtures.mnist.test.image(0)
            let (mu, logvar) = try model.encode([image])
            let reconstruction = try model.reconstruct([image])[0]
            func close(_ a: [Float], _ b: [Double]?) -> Bool {
                a.count == b?.count && zip(a, b!).allSatisfy { abs(Double($0) - $1) < 1e-5 }
            }
            #expect(close(mu[0], expected["mu"]) && close(logvar[0], expected["logvar"]), "\(device.info)")
            #expect(
                close(Array(reconstruction[200..<216]), expected["reconstruction_pixels_200_216"]), "\(device.info)")
        }
    }

    /// Damaged and hostile files: each is one clear error, never a crash or a huge allocation.
    @Test func hostileFilesAreRejected() throws {
        let good = try Checkpoint.contents(
            of: try VAEModel(VAEConfiguration(hidden: [4], latent: 2), device: CPUDevice(mode: .fast), seed: 1)
        ).encoded()
        func header(_ json: String, data: Int = 16) -> Data {
            var d = Data()
            withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { d.append(contentsOf: $0) }
            d.append(Data(json.utf8)); d.append(Data(count: data))
            return d
        }
        var huge = Data(); withUnsafeBytes(of: UInt64.max.littleEndian) { huge.append(contentsOf: $0) }
        let cases: [(String, Data, String)] = [
            ("empty", Data(), "shorter than"),
            ("huge header length", huge + Data(count: 8), "implausibly large"),
            ("truncated", good.prefix(good.count - 10), "bytes"),
            ("header past the end", good.prefix(20), "runs past the end"),
            ("not JSON", header("{nope", data: 0), "not a JSON object"),
            ("wrong dtype", header(#"{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}}"#, data: 4), "dtype F16"),
            (
                "offsets outside", header(#"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}"#, data: 8),
                "outside"
            ),
            (
                "size mismatch", header(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}}"#, data: 16),
                "needs 12 bytes"
            ),
            (
                "overlap",
                header(
                    #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
                    data: 12), "overlaps"
            ),
            ("negative shape", header(#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#, data: 0), "shape"),
        ]
        for (what, data, expected) in cases {
            #expect(throws: DataError.self, "\(what)") { try SafeTensors(data: data, name: "x.safetensors") }
            do { _ = try SafeTensors(data: data, name: "x.safetensors") } catch {
                #expect("\(error)".contains(expected), "\(what): \(error)")
                #expect(!"\(error)".contains("\n"), "one line")
            }
        }
    }

    @Test func checkpointOfAnotherModelIsRejected() throws {
        let dir = temporaryDirectory()
        var file = try Checkpoint.contents(
            of: try VAEModel(VAEConfiguration(hidden: [8], latent: 2), device: CPUDevice(mode: .fast), seed: 1))
        file.tensors["fc3.weight"] = .init(shape: [7, 2], values: [Float](repeating: 0, count: 14))
        try file.write(to: dir + "/shape.safetensors")
        #expect { try Checkpoint.load(from: dir + "/shape.safetensors", device: CPUDevice()) } throws: {
            "\($0)".contains("fc3.weight has shape [7, 2]")
        }
        file.tensors["fc3.weight"] = nil
        try file.write(to: dir + "/missing.safetensors")
        #expect { try Checkpoint.load(from: dir + "/missing.safetensors", device: CPUDevice()) } throws: {
            "\($0)".contains("missing tensor fc3.weight")
        }
        file.tensors["fc3.weight"] = .init(shape: [8, 2], values: [Float](repeating: 0, count: 16))
        file.tensors["classifier.weight"] = .init(shape: [1], values: [0])
        try file.write(to: dir + "/extra.safetensors")
        #expect { try Checkpoint.load(from: dir + "/extra.safetensors", device: CPUDevice()) } throws: {
            "\($0)".contains("unexpected tensor classifier.weight")
        }
    }

    @Test func writesAreAtomic() throws {
        let dir = temporaryDirectory()
        let path = dir + "/file.bin"
        try AtomicFile.write(Data("old".utf8), to: path)
        try AtomicFile.write(Data("new".utf8), to: path)
        #expect(FileManager.default.contents(atPath: path) == Data("new".utf8))
        // A write that cannot complete (the target is a directory) leaves what was there and no temporary file.
        try FileManager.default.createDirectory(atPath: dir + "/taken", withIntermediateDirectories: true)
        #expect(throws: (any Error).self) { try AtomicFile.write(Data("x".utf8), to: dir + "/taken") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).sorted() == ["file.bin", "taken"])
    }

    /// Two epochs in one go, or one epoch, a checkpoint, a fresh process's worth of loading, and a second
    /// epoch: the same parameters, bit for bit, on the CPU.
    @Test func resumeContinuesTheSameTrajectory() throws {
        let config = VAEConfiguration(hidden: [16], latent: 3)
        var options = TrainingOptions()
        options.batchSize = 32
        let train = Fixtures.mnist.train.prefix(100), test = Fixtures.mnist.test.prefix(10)
        let straight = try VAEModel(config, device: CPUDevice(mode: .fast), seed: 4)
        let t1 = try Trainer(model: straight, train: train, test: test, options: options)
        _ = try t1.trainEpoch(1); _ = try t1.trainEpoch(2)

        let dir = temporaryDirectory()
        let first = try VAEModel(config, device: CPUDevice(mode: .fast), seed: 4)
        _ = try Trainer(model: first, train: train, test: test, options: options).trainEpoch(1)
        try Checkpoint.save(first, to: dir + "/model.safetensors")
        try Checkpoint.saveOptimizer(
            first, to: Checkpoint.optimizerPath(for: dir + "/model.safetensors"), metadata: ["epoch": "1"])
        let resumed = try Checkpoint.load(from: dir + "/model.safetensors", device: CPUDevice(mode: .fast))
        let state = try Checkpoint.loadOptimizer(
            from: Checkpoint.optimizerPath(for: dir + "/model.safetensors"), into: resumed)
        #expect(state["epoch"] == "1")
        _ = try Trainer(model: resumed, train: train, test: test, options: options).trainEpoch(2)
        for (a, b) in zip(straight.layers, resumed.layers) {
            #expect(
                try straight.device.download(a.weight.value) == resumed.device.download(b.weight.value), "\(a.role)")
        }
    }
}

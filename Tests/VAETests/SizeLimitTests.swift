import Foundation
import TestSupport
import Testing
import VAECPU
import VAECompute

@testable import VAE

/// Sizes from outside are checked before anything is allocated: overflow-checked arithmetic, the device's
/// and the machine's memory, and hostile checkpoints that describe a model far larger than the file.
@Suite("size limits")
struct SizeLimitTests {
    @Test func checkedArithmeticRefusesOverflowAndNegatives() throws {
        #expect(try CheckedSize.product([3, 5, 7], "x") == 105)
        #expect(try CheckedSize.product([], "x") == 1)
        #expect(try CheckedSize.product([0, Int.max], "x") == 0)
        #expect(throws: SizeError.self) { try CheckedSize.product([1 << 31, 1 << 31, 1 << 31], "x") }
        #expect(throws: SizeError.self) { try CheckedSize.product([4, -1], "x") }
        #expect(throws: SizeError.self) { try CheckedSize.multiply(Int.max, 2, "x") }
        #expect(throws: SizeError.self) { try CheckedSize.add(Int.max, 1, "x") }
        #expect(throws: SizeError.self) { try CheckedSize.add(-1, 1, "x") }
        #expect(try CheckedSize.sum([1, 2, 3], "x") == 6)
        #expect(throws: SizeError.self) { try CheckedSize.tensorElements([1 << 16, 1 << 16]) }
        #expect(try CheckedSize.tensorElements([1 << 15, 1 << 15]) == 1 << 30)
        #expect { try CheckedSize.multiply(Int.max, 3, "--count 9") } throws: { "\($0)".hasPrefix("--count 9:") }
    }

    @Test func memoryFiguresReadAsPeopleRead() {
        #expect(MemoryBudget.describe(512) == "512 bytes")
        #expect(MemoryBudget.describe(2_600_000_000_000) == "2.6 TB")
        #expect(MemoryBudget.describe(25_000_000_000) == "25 GB")
        #expect(MemoryBudget.physicalBytes > 1 << 30)
    }

    /// The CPU device refuses tensors past the machine's memory, and past what a kernel can index, before
    /// it allocates; the failed request leaves nothing allocated.
    @Test func devicesRefuseImpossibleTensorsBeforeAllocating() throws {
        for device in [CPUDevice(mode: .fast), try VulkanTestDevice.make()] as [any ComputeDevice] {
            #expect(throws: SizeError.self, "\(device.info)") {
                _ = try device.makeTensor(shape: [Int.max, 2], elementType: .float32)
            }
            #expect(throws: SizeError.self, "\(device.info)") {
                _ = try device.makeTensor(shape: [1 << 20, 1 << 12], elementType: .uint8)
            }
            #expect(device.counters.allocatedBytes == 0, "\(device.info)")
        }
        // Tensors that together exceed the device's memory: the one past it is refused, with the figures.
        let cpu = CPUDevice(mode: .fast, capacityBytes: 1_000_000)
        var held: [Tensor] = []
        #expect {
            for _ in 0..<1000 { held.append(try cpu.makeTensor(shape: [100, 1000], elementType: .float32)) }
        } throws: { error in
            "\(error)".contains("needs 1.2 MB, the machine has 1.0 MB")
        }
        #expect(held.count == 2 && cpu.counters.allocatedBytes == 800_000)
    }

    /// A model or a minibatch that cannot fit says so in one line, with the sizes, before any tensor exists.
    @Test func impossibleModelsAndBatchesAreRefusedUpFront() throws {
        let device = CPUDevice(mode: .fast)
        let huge = VAEConfiguration(hidden: [100_000_000], latent: 20)
        #expect { _ = try VAEModel(huge, device: device, seed: 1) } throws: { error in
            "\(error)".hasPrefix("a 784-100000000-20 model: needs")
                && "\(error)".contains("the device (CPU (fast)) has")
        }
        #expect(throws: SizeError.self) {
            _ = try VAEModel(VAEConfiguration(hidden: [Int.max / 2], latent: 2), device: device, seed: 1)
        }
        #expect(device.counters.allocatedBytes == 0)
        let model = try VAEModel(VAEConfiguration(hidden: [8], latent: 2), device: device, seed: 1)
        #expect { _ = try model.workspace(batchSize: 1 << 40) } throws: { "\($0)".contains("in batches of \(1 << 40)") }
        #expect { _ = try model.sample(count: Int.max, seed: 1) } throws: { "\($0)".contains("too large to count") }
        #expect { _ = try Explorer.manifold(model, size: 1 << 32) } throws: { "\($0)".contains("--size") }
    }

    /// A few hundred bytes whose metadata describe a terabyte model: refused from the file alone.
    @Test func hostileCheckpointMetadataBuildsNothing() throws {
        let dir = temporaryDirectory()
        var file = try Checkpoint.contents(
            of: try VAEModel(VAEConfiguration(hidden: [4], latent: 2), device: CPUDevice(mode: .fast), seed: 1))
        file.metadata["vae.hidden"] = "100000000000"
        try file.write(to: dir + "/huge.safetensors")
        let device = CPUDevice(mode: .fast)
        #expect { _ = try Checkpoint.load(from: dir + "/huge.safetensors", device: device) } throws: { error in
            "\(error)".contains("huge.safetensors") && "\(error)".contains("shape")
        }
        #expect(device.counters.peakAllocatedBytes == 0, "nothing was allocated for the described model")
        for (key, value, expected) in [
            ("vae.hidden", "400,,400", "vae.hidden"), ("vae.latent", "-3", "vae.latent"),
            ("vae.input", "9223372036854775807", "pixel values"), ("vae.learned_variance", "yes", "0 or 1"),
            ("vae.gaussian_log_variance", "nan", "finite"), ("vae.image_height", "0", "vae.image_height"),
        ] {
            var bad = file
            bad.metadata["vae.hidden"] = "4"
            bad.metadata[key] = value
            try bad.write(to: dir + "/bad.safetensors")
            #expect { _ = try Checkpoint.load(from: dir + "/bad.safetensors", device: device) } throws: { error in
                "\(error)".contains("bad.safetensors") && "\(error)".contains(expected) && !"\(error)".contains("\n")
            }
        }
    }

    /// NaN or infinite weights are refused naming the file and the tensor (they would draw black pictures).
    @Test func nonFiniteWeightsAreRefused() throws {
        let dir = temporaryDirectory()
        var file = try Checkpoint.contents(
            of: try VAEModel(VAEConfiguration(hidden: [4], latent: 2), device: CPUDevice(mode: .fast), seed: 1))
        for value in [Float.nan, .infinity, -.infinity] {
            file.tensors["fc3.weight"]!.values[5] = value
            try file.write(to: dir + "/nan.safetensors")
            #expect { _ = try Checkpoint.load(from: dir + "/nan.safetensors", device: CPUDevice()) } throws: { error in
                "\(error)".contains("nan.safetensors") && "\(error)".contains("fc3.weight")
                    && "\(error)".contains("element 5")
            }
        }
    }
}

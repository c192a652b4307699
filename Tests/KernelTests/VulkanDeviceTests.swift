import Testing
import VAECPU
import VAECompute
import VAESelfTest

@testable import VAEVulkan

@Suite("vulkan device")
struct VulkanDeviceTests {
    @Test func listsDevicesAndSelectsByNameAndIndex() throws {
        let devices = VulkanDevice.devices()
        #expect(!devices.isEmpty, "no Vulkan device: install mesa-vulkan-drivers")
        let first = try #require(devices.first)
        let byIndex = try VulkanDevice(.init(selection: .index(0)))
        #expect(byIndex.info.name == first.name)
        let fragment = String(first.name.prefix(4)).uppercased()
        #expect(
            try VulkanDevice(.init(selection: .name(fragment))).info.name == first.name,
            "names match case-insensitively")
    }

    @Test func unknownDevicesAreClearErrors() {
        #expect { try VulkanDevice(.init(selection: .index(99))) } throws: { error in
            guard case let ComputeError.noDevice(message) = error else { return false }
            return message.contains("no Vulkan device 99")
        }
        #expect { try VulkanDevice(.init(selection: .name("no-such-gpu"))) } throws: { error in
            guard case let ComputeError.noDevice(message) = error else { return false }
            return message.contains("no-such-gpu")
        }
    }

    @Test func oversizedBuffersAndExhaustedMemoryThrow() throws {
        let device = try TestDevices.vulkan()
        let limit = Int(device.context.physical.limits.maxStorageBufferRange)
        #expect(
            throws: ComputeError.bufferTooLarge(device: device.context.label, requestedBytes: limit + 4, limit: limit)
        ) {
            _ = try device.makeTensor(shape: [limit / 4 + 1], elementType: .float32)
        }
        // Fill the heap with tensors no larger than one binding allows; the allocation past it must throw. The
        // heap is capped at 256 MiB, so this stays small on a GPU with 140 GB.
        var options = VulkanDevice.Options(validation: true)
        options.memoryBytes = 256 << 20
        let small = try VulkanDevice(options)
        var held: [Tensor] = []
        let chunk = min(limit, 16 << 20) / 4
        let error = #expect(throws: ComputeError.self) {
            for _ in 0..<100_000 { held.append(try small.makeTensor(shape: [chunk], elementType: .float32)) }
        }
        guard case .outOfMemory = error else {
            Issue.record("expected outOfMemory, got \(String(describing: error))"); return
        }
        #expect(held.count == 15 || held.count == 16, "\(held.count) tensors of 16 MiB in 256 MiB")
        held.removeAll()
        #expect(small.counters.allocatedBytes == 0, "freed tensors return their memory")
        _ = try small.makeTensor(shape: [chunk], elementType: .float32)
    }

    /// A wait that outlasts the fence timeout is an error naming the work (a hung GPU would otherwise block
    /// forever), and the work is still waited for properly afterwards.
    @Test func aWaitPastTheTimeoutIsAnError() throws {
        let device = try TestDevices.vulkan()
        let a = try device.tensor(SeededRandom.uniform(count: 768 * 768, -1, 1, seed: 1), shape: [768, 768])
        let c = try device.zeros([768, 768])
        try device.synchronize()
        device.fenceTimeoutSeconds = 1e-6
        for _ in 0..<4 {
            try device.launch(
                .matmul(
                    a: a, b: a, c: c, transposeA: false, transposeB: false, bias: nil, activation: .identity,
                    accumulate: true))
        }
        #expect { try device.synchronize() } throws: { error in
            "\(error)".contains("did not finish batch") && "\(error)".contains("4 launches, matmul_NN_acc")
                && "\(error)".contains("it may be hung")
        }
        device.fenceTimeoutSeconds = 600
        try device.synchronize()
        #expect(try device.download(c).allSatisfy(\.isFinite))
    }

    /// Transfers through staging reuse their buffers: a hundred uploads and read-backs of a few sizes make a
    /// handful of staging buffers, and every value arrives.
    @Test func stagingBuffersAreReused() throws {
        let device = try TestDevices.vulkan(staging: true)
        for round in 0..<100 {
            let n = [1000, 70_000, 17][round % 3]
            let values = SeededRandom.uniform(count: n, -1, 1, seed: UInt64(round))
            let t = try device.tensor(values, shape: [n])
            try device.launch(.axpby(x: t, y: t, a: 0, b: 2))
            #expect(try device.download(t) == values.map { 2 * $0 }, "round \(round)")
        }
        #expect(
            (2...12).contains(device.counters.stagingBuffersMade),
            "\(device.counters.stagingBuffersMade) staging buffers")
        #expect(device.validationMessages.isEmpty, "\(device.validationMessages.prefix(3))")
    }

    /// The host works on a CPU tensor's own memory after every earlier launch, and later launches see what it
    /// wrote; a Vulkan device declines (nil, the body never runs), so its callers copy.
    @Test func hostMemoryIsTheCPUTensorItself() throws {
        let cpu = CPUDevice(mode: .fast)
        let t = try cpu.tensor([1, 2, 3], shape: [3])
        try cpu.launch(.axpby(x: t, y: t, a: 0, b: 2))
        let seen = try cpu.withHostMemory(of: t) { bytes -> [Float] in
            let floats = bytes.bindMemory(to: Float.self)
            defer { floats[0] = 10 }
            return Array(floats.prefix(3))
        }
        #expect(seen == [2, 4, 6])
        try cpu.launch(.axpby(x: t, y: t, a: 0, b: 2))
        #expect(try cpu.download(t) == [20, 8, 12])
        let vulkan = try TestDevices.vulkan(staging: false)
        let v = try vulkan.tensor([1], shape: [1])
        #expect(try vulkan.withHostMemory(of: v) { _ in Issue.record("a Vulkan tensor handed to the host") } == nil)
    }

    /// Timestamp differences use only the queue's valid bits, so a counter that wraps still gives the
    /// right duration.
    @Test func timestampsWrapWithinTheirValidBits() {
        #expect(VulkanCommandStream.elapsedTicks(from: 0xFFFF_FFF0, to: 0x10, validBits: 32) == 0x20)
        #expect(
            VulkanCommandStream.elapsedTicks(from: 0xABCD_0000_0000_0005, to: 0x1234_0000_0000_0009, validBits: 36) == 4
        )
        #expect(VulkanCommandStream.elapsedTicks(from: 5, to: 1005, validBits: 64) == 1000)
    }

    @Test func independentLaunchesShareBarriersAndDependentOnesGetThem() throws {
        let device = try TestDevices.vulkan()
        let a = try device.zeros([64]), b = try device.zeros([64]), c = try device.zeros([64])
        try device.synchronize()
        let start = device.counters
        try device.launch(.fill(x: a, value: 1))
        try device.launch(.fill(x: b, value: 2))  // independent: no barrier
        try device.launch(.axpby(x: a, y: c, a: 1, b: 0))  // reads a: barrier
        try device.launch(.axpby(x: b, y: c, a: 1, b: 1))  // writes c again: barrier
        try device.flush()
        let afterFlush = device.counters
        #expect(afterFlush.launches - start.launches == 4)
        #expect(afterFlush.barriers - start.barriers == 2)
        #expect(afterFlush.submits - start.submits == 1)
        #expect(afterFlush.hostWaits == start.hostWaits, "flush never waits")
        #expect(try device.download(c) == [Float](repeating: 3, count: 64))
        #expect(device.validationMessages.isEmpty, "\(device.validationMessages)")
    }

    @Test(arguments: [false, true])
    func writesAreOrderedAfterPendingLaunches(staging: Bool) throws {
        let device = try TestDevices.vulkan(staging: staging)
        let x = try device.zeros([300]), y = try device.zeros([300]), z = try device.zeros([300])
        try device.launch(.fill(x: x, value: 1))
        try device.launch(.copy(src: x, dst: y))
        try device.upload([Float](repeating: 2, count: 300), to: x)  // x is in use by recorded work
        try device.launch(.copy(src: x, dst: z))
        #expect(try device.download(y) == [Float](repeating: 1, count: 300))
        #expect(try device.download(z) == [Float](repeating: 2, count: 300))
        #expect(device.validationMessages.isEmpty, "\(device.validationMessages)")
    }

    @Test func profilingTimesEveryLaunch() throws {
        let device = try TestDevices.vulkan(profiling: true)
        let a = try device.tensor(SeededRandom.uniform(count: 64 * 64, -1, 1, seed: 1), shape: [64, 64]),
            c = try device.zeros([64, 64])
        try device.launch(
            .matmul(
                a: a, b: a, c: c, transposeA: false, transposeB: false, bias: nil, activation: .identity,
                accumulate: false))
        try device.launch(.activation(.relu, x: c, y: c))
        try device.synchronize()
        let profile = device.takeProfile()
        #expect(profile.map(\.name).suffix(2) == ["matmul_NN", "activation_relu"])
        let cpu = CPUDevice(mode: .fast, profiling: true)
        try cpu.launch(.fill(x: try cpu.zeros([10]), value: 1))
        #expect(cpu.takeProfile().map(\.name) == ["fill"])
        #expect(profile.allSatisfy { $0.nanoseconds >= 0 })
    }

    /// Proof that validation is live: two dependent dispatches recorded with no barrier (bypassing the
    /// hazard tracker by declaring no accesses) must be reported by synchronization validation.
    @Test func validationReportsAMissingBarrier() throws {
        let device = try TestDevices.vulkan()
        try #require(device.validationEnabled, "install vulkan-validationlayers")
        let x = try device.zeros([1024]), y = try device.zeros([1024])
        try device.synchronize()
        let xb = try device.buffer(x, "test"), yb = try device.buffer(y, "test")
        for (kernel, buffers) in [(Kernel.fill(x: x, value: 1), [xb]), (.copy(src: x, dst: y), [xb, yb])] {
            let plan = try VulkanKernelPlan(kernel, device: device)
            let pipeline = try device.pipelines.pipeline(
                .init(shader: plan.shader, constants: plan.constants), bindings: plan.bindings.count)
            try device.stream.dispatch(
                pipeline, buffers: buffers, reads: [], writes: [], pushConstants: plan.pushConstants,
                groups: plan.groups, name: kernel.name)
        }
        try device.synchronize()
        #expect(device.validationMessages.contains { $0.contains("SYNC-HAZARD") }, "\(device.validationMessages)")
    }

    @Test func badArgumentsThrowBeforeAnyWork() throws {
        for device in try TestDevices.all() {
            let a = try device.zeros([3, 4]), b = try device.zeros([5, 2]), c = try device.zeros([3, 2])
            let before = device.counters.launches
            #expect(throws: ComputeError.self) {
                try device.launch(
                    .matmul(
                        a: a, b: b, c: c, transposeA: false, transposeB: false, bias: nil, activation: .identity,
                        accumulate: false))
            }
            let other = CPUDevice(mode: .reference)
            let foreign = try other.zeros([3, 2])
            #expect(throws: ComputeError.self) { try device.launch(.copy(src: foreign, dst: c)) }
            #expect(device.counters.launches == before)
        }
    }
}

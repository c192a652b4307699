import Foundation
import Testing
import VAECPU
import VAECompute

@testable import VAEVulkan

/// Tensor groups (`ComputeDevice.makeTensorGroup`): parts in one allocation, a whole over them, and launches
/// on parts and on the whole ordered as launches on one tensor.
@Suite("tensor groups")
struct TensorGroupTests {
    static let shapes = [[3, 5], [7], [1], [4, 4], [0], [33]]

    static func devices() throws -> [any ComputeDevice] {
        try [CPUDevice(mode: .reference)] + TestDevices.all()
    }

    @Test func partsAreLaidOutInOrderWithoutOverlapAndStartZero() throws {
        for device in try Self.devices() {
            let group = try device.makeTensorGroup(shapes: Self.shapes, elementType: .float32)
            #expect(group.parts.map(\.shape) == Self.shapes, "\(device.info)")
            #expect(group.whole.shape.count == 1)
            for i in group.parts.indices {
                let end = group.offsets[i] + group.parts[i].count
                #expect(end <= (i + 1 < group.parts.count ? group.offsets[i + 1] : group.whole.count), "\(device.info)")
                // Every part starts where a tensor of its own could: 16-byte steps at least.
                #expect(group.offsets[i] % 4 == 0, "\(device.info) part \(i) at \(group.offsets[i])")
            }
            #expect(try device.download(group.whole).allSatisfy { $0 == 0 }, "\(device.info)")
        }
    }

    @Test func partsAndTheWholeSeeTheSameMemory() throws {
        for device in try Self.devices() {
            let group = try device.makeTensorGroup(shapes: Self.shapes, elementType: .float32)
            for (i, part) in group.parts.enumerated() {
                try device.upload((0..<part.count).map { Float(100 * (i + 1) + $0) }, to: part)
            }
            var expected = [Float](repeating: 0, count: group.whole.count)
            for (i, part) in group.parts.enumerated() {
                for j in 0..<part.count { expected[group.offsets[i] + j] = Float(100 * (i + 1) + j) }
            }
            #expect(try device.download(group.whole) == expected, "\(device.info): padding stays zero")
            try device.upload((0..<group.whole.count).map { Float($0) }, to: group.whole)
            for (i, part) in group.parts.enumerated() {
                #expect(
                    try device.download(part) == (0..<part.count).map { Float(group.offsets[i] + $0) },
                    "\(device.info) part \(i)")
            }
        }
    }

    /// Launches on parts and on the whole, recorded back to back with nothing read in between: each sees
    /// the one before it where they share memory. On Vulkan the validation layer's synchronization checks
    /// would report a missing barrier; two parts written one after the other need none.
    @Test func launchesOnPartsAndTheWholeAreOrdered() throws {
        for device in try Self.devices() {
            let group = try device.makeTensorGroup(shapes: Self.shapes, elementType: .float32)
            let copy = try device.zeros([group.whole.count])
            try device.synchronize()
            try device.launch(.fill(x: group.parts[3], value: 2))
            let before = device.counters
            try device.launch(.fill(x: group.parts[5], value: 9))
            let disjoint = device.counters
            try device.launch(.axpby(x: group.whole, y: copy, a: 1, b: 0))
            try device.launch(.fill(x: group.parts[0], value: -1))
            try device.launch(.axpby(x: group.whole, y: copy, a: 1, b: 1))
            let launched = device.counters
            let whole = try device.download(group.whole), copied = try device.download(copy)
            var expected = [Float](repeating: 0, count: group.whole.count), twice = expected
            for j in 0..<16 { expected[group.offsets[3] + j] = 2; twice[group.offsets[3] + j] = 4 }
            for j in 0..<33 { expected[group.offsets[5] + j] = 9; twice[group.offsets[5] + j] = 18 }
            for j in 0..<15 { expected[group.offsets[0] + j] = -1; twice[group.offsets[0] + j] = -1 }
            #expect(whole == expected, "\(device.info)")
            #expect(copied == twice, "\(device.info)")
            if let vulkan = device as? VulkanDevice {
                #expect(disjoint.barriers == before.barriers, "two parts written: no barrier between them")
                #expect(launched.barriers - disjoint.barriers == 3, "whole after parts, and back")
                #expect(vulkan.validationMessages.isEmpty, "\(vulkan.validationMessages)")
            }
        }
    }

    @Test func impossibleShapesAreRefused() throws {
        for device in try Self.devices() {
            #expect(throws: (any Error).self) {
                try device.makeTensorGroup(shapes: [[2], [-1]], elementType: .float32)
            }
            #expect(throws: (any Error).self) {
                try device.makeTensorGroup(shapes: [[1 << 20, 1 << 20]], elementType: .float32)
            }
        }
    }
}

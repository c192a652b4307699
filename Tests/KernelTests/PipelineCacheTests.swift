import Foundation
import Testing
import VAECompute
import VAESelfTest

@testable import VAEVulkan

/// Compiled pipelines kept on disk: the frame and Vulkan's header are checked before the driver sees a byte.
@Suite("pipeline cache")
struct PipelineCacheTests {
    static let identity = PipelineCacheFile.Identity(vendorID: 0x10DE, deviceID: 0x2335, uuid: Array(0..<16))

    /// A Vulkan header (version one) for `identity` followed by `body`.
    static func driverData(_ identity: PipelineCacheFile.Identity, body: [UInt8] = [1, 2, 3]) -> [UInt8] {
        func le(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        return le(32) + le(1) + le(identity.vendorID) + le(identity.deviceID) + identity.uuid + body
    }

    @Test func framedDataComesBackOnlyWhenIntactAndForThisDevice() {
        let data = Self.driverData(Self.identity)
        let file = PipelineCacheFile.framed(data)
        #expect(PipelineCacheFile.payload(of: file, for: Self.identity) == data)
        var flipped = file
        flipped[file.count - 1] ^= 1
        #expect(PipelineCacheFile.payload(of: flipped, for: Self.identity) == nil, "a changed byte fails the hash")
        #expect(PipelineCacheFile.payload(of: Array(file.dropLast()), for: Self.identity) == nil, "truncated")
        #expect(PipelineCacheFile.payload(of: file + [0], for: Self.identity) == nil, "trailing bytes")
        var other = Self.identity
        other.uuid[15] = 99
        #expect(PipelineCacheFile.payload(of: file, for: other) == nil, "another driver build")
        let otherVersion = PipelineCacheFile.framed([32, 0, 0, 0, 2, 0, 0, 0] + Array(data[8...]))
        #expect(PipelineCacheFile.payload(of: otherVersion, for: Self.identity) == nil, "header version 2")
        #expect(PipelineCacheFile.payload(of: Array("VAEPIPE1".utf8), for: Self.identity) == nil)
    }

    /// A device saves its pipelines when it closes and the next one loads them; a damaged file is ignored
    /// (the device opens and computes) and replaced.
    @Test func devicesSaveAndLoadThePipelines() throws {
        let directory = NSTemporaryDirectory() + "vae-pipelines-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = VulkanDevice.Options(validation: true)
        options.pipelineCacheDirectory = directory
        func use() throws -> VulkanDevice {
            let device = try VulkanDevice(options)
            let x = try device.zeros([10])
            try device.launch(.fill(x: x, value: 2))
            #expect(try device.download(x) == [Float](repeating: 2, count: 10))
            #expect(device.validationMessages.isEmpty)
            return device
        }
        do { _ = try use() }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        #expect(files.count == 1 && files[0].hasSuffix(".bin"), "\(files)")
        let path = directory + "/" + files[0]
        let saved = try #require(FileManager.default.contents(atPath: path))
        #expect(Array(saved.prefix(8)) == Array("VAEPIPE1".utf8))
        #expect(try use().pipelines.loadedBytes == saved.count - 24)
        FileManager.default.createFile(atPath: path, contents: Data((0..<500).map { UInt8($0 % 251) }))
        #expect(try use().pipelines.loadedBytes == 0)
        #expect(FileManager.default.contents(atPath: path) == saved, "the damaged file is replaced")
    }
}

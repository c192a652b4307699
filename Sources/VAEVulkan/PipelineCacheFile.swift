import Foundation
import VAECompute

/// The compiled pipelines of one device, kept on disk between runs so start-up skips the driver's shader
/// compiler. The file is a cache from outside, so it is checked before the driver sees a byte: our own
/// frame (magic, payload length, FNV-1a hash of the payload) and then Vulkan's header (its size and
/// version, and the vendor, device and pipeline-cache UUID of this device and driver). Anything that does
/// not fit is ignored and replaced on the next save.
struct PipelineCacheFile {
    /// Vulkan's pipeline cache header (VK_PIPELINE_CACHE_HEADER_VERSION_ONE) fields for this device.
    struct Identity: Equatable {
        var vendorID: UInt32
        var deviceID: UInt32
        var uuid: [UInt8]
    }

    static let magic = Array("VAEPIPE1".utf8)
    /// Larger files are not read (a driver's cache for our few dozen pipelines is far smaller).
    static let maxBytes = 256 << 20

    let path: String
    let identity: Identity

    /// The file for `identity` in `directory` (one per device and driver build).
    init(directory: String, identity: Identity) {
        let uuid = identity.uuid.map { String(format: "%02x", $0) }.joined()
        path = (directory as NSString).appendingPathComponent(
            String(format: "%04x-%04x-%@.bin", identity.vendorID, identity.deviceID, uuid))
        self.identity = identity
    }

    /// The driver's data from the file, or nil when there is none or it does not check out.
    func load() -> [UInt8]? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) <= Self.maxBytes,
            let data = FileManager.default.contents(atPath: path)
        else { return nil }
        return Self.payload(of: [UInt8](data), for: identity)
    }

    /// Writes the driver's data atomically (a temporary file renamed into place); failures are ignored,
    /// since the cache only saves time.
    func save(_ payload: [UInt8]) {
        guard Self.header(of: payload) == identity else { return }
        let directory = (path as NSString).deletingLastPathComponent
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let temporary = path + ".\(getpid()).tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(Self.framed(payload))) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// `payload` in our frame.
    static func framed(_ payload: [UInt8]) -> [UInt8] {
        magic + littleEndian(UInt64(payload.count)) + littleEndian(fnv1a(payload)) + payload
    }

    /// The payload of a framed file, when the frame is intact and the payload's Vulkan header is this
    /// device's.
    static func payload(of file: [UInt8], for identity: Identity) -> [UInt8]? {
        guard file.count >= 24, Array(file[0..<8]) == magic else { return nil }
        let length = word64(file, 8), hash = word64(file, 16)
        guard length == UInt64(file.count - 24) else { return nil }
        let payload = Array(file[24...])
        guard fnv1a(payload) == hash, header(of: payload) == identity else { return nil }
        return payload
    }

    /// The identity in a Vulkan pipeline cache header (version one, 32 bytes), or nil when it is not one.
    static func header(of payload: [UInt8]) -> Identity? {
        guard payload.count >= 32, word32(payload, 0) == 32, word32(payload, 4) == 1 else { return nil }
        return Identity(vendorID: word32(payload, 8), deviceID: word32(payload, 12), uuid: Array(payload[16..<32]))
    }

    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        return h
    }

    private static func littleEndian(_ v: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
    }
    private static func word64(_ b: [UInt8], _ at: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * UInt64($1)) }
    }
    private static func word32(_ b: [UInt8], _ at: Int) -> UInt32 {
        (0..<4).reduce(0) { $0 | UInt32(b[at + $1]) << (8 * UInt32($1)) }
    }
}

import Foundation
import VAEFormats

/// A TensorBoard event file: TFRecord-framed `Event` messages (Protos/tensorboard_event.proto), so that
/// `tensorboard --logdir` shows a run's scalars and pictures.
///
/// Each record is the message's length (8 bytes, little-endian), the length's masked CRC-32C, the message,
/// and the message's masked CRC-32C. Records are buffered and appended by `flush()`; the file is never
/// rewritten, so a killed run leaves every flushed record readable.
public final class EventFile {
    /// The file's path.
    public let path: String
    private let descriptor: Int32
    private var pending = Data()

    /// Makes `directory` if needed and opens a new event file in it, named as TensorBoard expects
    /// (`events.out.tfevents.<seconds>.<host>.<pid>.vae`), then writes the version record.
    public init(directory: String, now: Date = Date()) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError.cannotWrite(file: directory, reason: AtomicFile.systemReason(error))
        }
        // gethostname, not ProcessInfo.hostName, which may wait on a name lookup.
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            .filter { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." }
        let pid = ProcessInfo.processInfo.processIdentifier
        var name = "events.out.tfevents.\(Int(now.timeIntervalSince1970)).\(host.isEmpty ? "host" : host).\(pid)"
        var fd: Int32 = -1
        // Two files of one process in one second (a test, a second writer) get a counter before the suffix.
        for n in 0..<100 {
            let candidate = (directory as NSString).appendingPathComponent(name + (n == 0 ? "" : ".\(n)") + ".vae")
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o644)
            if fd >= 0 {
                name = candidate
                break
            }
            guard errno == EEXIST else { throw DataError.cannotWrite(file: candidate, reason: AtomicFile.lastError()) }
        }
        guard fd >= 0 else { throw DataError.cannotWrite(file: directory, reason: "no free event file name") }
        path = name
        descriptor = fd
        append(EventMessage(wallTime: now.timeIntervalSince1970, step: 0, content: .fileVersion("brain.Event:2")))
        try flush()
    }

    deinit { close(descriptor) }

    /// Logs scalars (tag, value) at `step`; TensorBoard draws one curve per tag.
    public func scalars(_ values: [(tag: String, value: Double)], step: Int, at time: Date = Date()) throws {
        append(summary(values.map { .scalar(tag: $0.tag, value: Float($0.value)) }, step: step, at: time))
    }

    /// Logs a picture at `step` (shown with a slider over steps under its tag).
    public func image(_ tag: String, _ picture: PNGImage, step: Int, at time: Date = Date()) throws {
        let value = EventMessage.Value.image(
            tag: tag, width: Int32(clamping: picture.width), height: Int32(clamping: picture.height),
            colorspace: Int32(picture.channels), png: try picture.encoded())
        append(summary([value], step: step, at: time))
    }

    /// Appends the buffered records to the file.
    public func flush() throws {
        var offset = 0
        while offset < pending.count {
            let n = pending.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            guard n > 0 else {
                if n < 0 && errno == EINTR { continue }
                throw DataError.cannotWrite(file: path, reason: n < 0 ? AtomicFile.lastError() : "nothing written")
            }
            offset += n
        }
        pending.removeAll(keepingCapacity: true)
    }

    private func summary(_ values: [EventMessage.Value], step: Int, at time: Date) -> EventMessage {
        EventMessage(wallTime: time.timeIntervalSince1970, step: Int64(step), content: .summary(values))
    }

    private func append(_ event: EventMessage) {
        pending.append(Self.record(event.encoded()))
    }

    /// One TFRecord: length, its masked CRC, the bytes, their masked CRC (all little-endian).
    static func record(_ bytes: Data) -> Data {
        var out = Data(capacity: bytes.count + 16)
        let length = withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { Data($0) }
        out.append(length)
        withUnsafeBytes(of: CRC32C.masked(length).littleEndian) { out.append(contentsOf: $0) }
        out.append(bytes)
        withUnsafeBytes(of: CRC32C.masked(bytes).littleEndian) { out.append(contentsOf: $0) }
        return out
    }
}

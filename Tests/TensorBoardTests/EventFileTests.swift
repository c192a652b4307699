import Foundation
import TestSupport
import Testing
import VAEFormats

@testable import VAETensorBoard

/// Event files are proven with TensorBoard's own reader (scripts/tensorboard-summary.py, which runs the
/// tensorboard package's EventAccumulator), not only with the framing rules restated here.
@Suite("TensorBoard event files")
struct EventFileTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// What TensorBoard's loader reads from `folder`: (exit status, stdout, stderr).
    static func readWithTensorBoard(_ folder: String) throws -> (Int32, [String: Any], String) {
        let process = Process()
        // scripts/setup.sh puts tensorboard into this environment when the python3 on PATH lacks it.
        let venv = repository + "/.build-tools/venv/bin/python3"
        let python = FileManager.default.isExecutableFile(atPath: venv) ? [venv] : ["python3"]
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = python + [repository + "/scripts/tensorboard-summary.py", folder]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let json = (try? JSONSerialization.jsonObject(with: stdout)) as? [String: Any] ?? [:]
        return (process.terminationStatus, json, stderr)
    }

    @Test func crc32cMatchesItsCheckValues() {
        // The standard check value of CRC-32C, and RFC 3720's all-zero and all-ones 32-byte vectors.
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
    }

    @Test func aRecordIsFramedWithMaskedChecksums() {
        let payload = Data("event".utf8)
        let record = EventFile.record(payload)
        #expect(record.count == 8 + 4 + payload.count + 4)
        #expect(record.prefix(8) == Data([5, 0, 0, 0, 0, 0, 0, 0]))
        let lengthCRC = record[8..<12].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * $1.offset) }
        #expect(lengthCRC == CRC32C.masked(record.prefix(8)))
        #expect(record[12..<17] == payload)
    }

    @Test func tensorBoardReadsTheScalarsAndPictures() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try EventFile(directory: dir)
        for step in [0, 50, 100] {
            try file.scalars([("train/loss", 100.0 - Double(step) / 10), ("train/kl", 25.5)], step: step)
        }
        let grey = PNGImage(width: 3, height: 2, channels: 1, pixels: [0, 50, 100, 150, 200, 250])
        let colour = PNGImage(width: 2, height: 2, channels: 3, pixels: Array(0..<12).map { UInt8($0 * 20) })
        try file.image("samples", grey, step: 1)
        try file.image("samples", grey, step: 2)
        try file.image("reconstructions", colour, step: 2)
        try file.flush()

        let (status, read, stderr) = try Self.readWithTensorBoard(dir)
        try #require(status == 0, "tensorboard-summary.py failed: \(stderr)")
        let scalars = try #require(read["scalars"] as? [String: [[Double]]])
        #expect(scalars["train/loss"] == [[0, 100], [50, 95], [100, 90]])
        #expect(scalars["train/kl"] == [[0, 25.5], [50, 25.5], [100, 25.5]])
        let images = try #require(read["images"] as? [String: [[Int]]])
        #expect(images["samples"] == [[1, 3, 2], [2, 3, 2]])
        #expect(images["reconstructions"] == [[2, 2, 2]])
    }

    @Test func tensorBoardRefusesARecordWhoseChecksumIsWrong() throws {
        // Proves the reader above checks what we frame: one flipped payload byte loses the record.
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let file = try EventFile(directory: dir)
        try file.scalars([("a", 1)], step: 1)
        try file.scalars([("a", 2)], step: 2)
        try file.flush()
        var bytes = try Data(contentsOf: URL(fileURLWithPath: file.path))
        bytes[bytes.count - 6] ^= 0x01  // inside the last record's message
        try bytes.write(to: URL(fileURLWithPath: file.path))
        let (status, read, stderr) = try Self.readWithTensorBoard(dir)
        try #require(status == 0, "tensorboard-summary.py failed: \(stderr)")
        let scalars = read["scalars"] as? [String: [[Double]]] ?? [:]
        #expect(scalars["a"] == [[1, 1]])
    }

    @Test func aSecondFileOfTheSameSecondGetsItsOwnName() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let now = Date()
        let a = try EventFile(directory: dir, now: now), b = try EventFile(directory: dir, now: now)
        #expect(a.path != b.path)
        #expect(a.path.contains("events.out.tfevents.") && b.path.hasSuffix(".vae"))
    }

    @Test func anUnwritableFolderIsNamed() {
        #expect {
            _ = try EventFile(directory: "/proc/vae-no-such/tb")
        } throws: { "\($0)".contains("/proc/vae-no-such") }
    }
}

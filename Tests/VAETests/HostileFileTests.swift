import Foundation
import TestSupport
import Testing
import VAECPU
import VAECompute

@testable import VAE
@testable import VAEFormats

/// Hostile and damaged files beyond the basic cases in CheckpointTests: each is one line naming the file,
/// never a crash, a wrap-around or an unbounded allocation.
@Suite("hostile files")
struct HostileFileTests {
    func safetensors(_ json: String, data: Int) -> Data {
        var d = Data()
        withUnsafeBytes(of: UInt64(json.utf8.count).littleEndian) { d.append(contentsOf: $0) }
        d.append(Data(json.utf8)); d.append(Data(count: data))
        return d
    }

    func rejects(_ data: Data, _ expected: String, _ what: String) {
        #expect(throws: DataError.self, "\(what)") { try SafeTensors(data: data, name: "x.safetensors") }
        do { _ = try SafeTensors(data: data, name: "x.safetensors") } catch {
            #expect("\(error)".contains(expected) && "\(error)".hasPrefix("x.safetensors: "), "\(what): \(error)")
            #expect(!"\(error)".contains("\n"), "one line")
        }
    }

    @Test func safetensorsHeadersThatLie() {
        let t = #""dtype":"F32""#
        // A duplicate name: JSON parsers keep one silently, which would hide a second definition.
        rejects(
            safetensors(
                #"{"a":{\#(t),"shape":[1],"data_offsets":[0,4]},"a":{\#(t),"shape":[1],"data_offsets":[4,8]}}"#, data: 8
            ),
            "'a' appears twice", "duplicate")
        rejects(
            safetensors(
                #"{"a":{\#(t),"shape":[1],"data_offsets":[0,4]},"\u0061":{\#(t),"shape":[1],"data_offsets":[4,8]}}"#,
                data: 8),
            "'a' appears twice", "duplicate through an escape")
        // Nested keys and string values that look like keys are not duplicates.
        let nested = #"{"__metadata__":{"a":"a","b":"a"},"a":{\#(t),"shape":[1],"data_offsets":[0,4]}}"#
        #expect((try? SafeTensors(data: safetensors(nested, data: 4), name: "x"))?.tensors.count == 1)
        // Shapes whose product wraps around to a small number, or overflows: refused, not wrapped.
        rejects(
            safetensors(#"{"a":{\#(t),"shape":[4294967296,4294967296],"data_offsets":[0,0]}}"#, data: 0), "shape",
            "wrapping shape")
        rejects(
            safetensors(#"{"a":{\#(t),"shape":[2147483647,2147483647,4],"data_offsets":[0,16]}}"#, data: 16), "shape",
            "overflowing shape")
        rejects(
            safetensors(#"{"a":{\#(t),"shape":[9223372036854775807],"data_offsets":[0,4]}}"#, data: 4), "shape",
            "huge dimension")
        rejects(
            safetensors(#"{"a":{\#(t),"shape":[18446744073709551615],"data_offsets":[0,4]}}"#, data: 4),
            "whole numbers", "beyond Int64")
        rejects(
            safetensors(#"{"a":{\#(t),"shape":[true],"data_offsets":[0,4]}}"#, data: 4), "whole numbers",
            "boolean dimension")
        rejects(
            safetensors(#"{"a":{\#(t),"shape":[1.5],"data_offsets":[0,4]}}"#, data: 4), "whole numbers",
            "fractional dimension")
        rejects(
            safetensors(#"{"a":{\#(t),"shape":[1],"data_offsets":[0,9223372036854775807]}}"#, data: 4), "outside",
            "huge offset")
        rejects(safetensors(#"{"a":{\#(t),"shape":[1],"data_offsets":[4,0]}}"#, data: 4), "outside", "reversed offsets")
        rejects(
            safetensors(#" {"a":{\#(t),"shape":[1],"data_offsets":[0,4]}}"#, data: 4), "start with '{'", "leading space"
        )
        rejects(safetensors(#"["a"]"#, data: 0), "start with '{'", "an array")
        var latin1 = safetensors(#"{"\#u{00}":{\#(t),"shape":[1],"data_offsets":[0,4]}}"#, data: 4)
        latin1[10] = 0xFF
        rejects(latin1, "not UTF-8", "bad UTF-8")
        rejects(
            safetensors(#"{"a":{\#(t),"shape":[1],"data_offsets":[0,4]}}"#, data: 8), "bytes after the last tensor",
            "trailing bytes")
        rejects(safetensors(#"{"a":{\#(t),"shape":[1],"data_offsets":[4,8]}}"#, data: 8), "a gap before", "gap")
        rejects(safetensors(#"{"__metadata__":{"a":1}}"#, data: 0), "__metadata__", "non-string metadata")
    }

    @Test func gzipCannotInflatePastItsTrailer() throws {
        // 4 MB of zeros compress to a few kB; a trailer claiming 1000 bytes must stop the inflation early.
        let zeros = Data(count: 4 << 20)
        var compressed = try Self.gzip(zeros)
        #expect(try Gzip.decompress(compressed, name: "z.gz") == zeros)
        compressed.replaceSubrange((compressed.count - 4)..<compressed.count, with: [0xE8, 0x03, 0, 0])
        #expect { _ = try Gzip.decompress(compressed, name: "z.gz") } throws: {
            "\($0)".contains("z.gz: inflates past the 1000 bytes")
        }
        // And a caller's limit holds whatever the trailer says.
        let honest = try Self.gzip(zeros)
        #expect { _ = try Gzip.decompress(honest, name: "z.gz", limit: 1 << 20) } throws: {
            "\($0)".contains("more than it may hold")
        }
        #expect { _ = try Gzip.decompress(Data([0x1F, 0x8B, 8]), name: "t.gz") } throws: {
            "\($0)".contains("truncated")
        }
    }

    /// gzip through the system's tool (what users' files are made with).
    static func gzip(_ data: Data) throws -> Data {
        let dir = temporaryDirectory()
        let path = dir + "/data"
        FileManager.default.createFile(atPath: path, contents: data)
        let process = Process()
        process.executableURL = URL(filePath: "/bin/gzip")
        process.arguments = ["-k", "-n", path]
        try process.run()
        process.waitUntilExit()
        return try Data(contentsOf: URL(filePath: path + ".gz"))
    }

    @Test func idxDimensionsThatOverflowAreRefused() throws {
        var d = Data([0, 0, 8, 4])
        for _ in 0..<4 { d.append(contentsOf: [0xFF, 0xFF, 0xFF, 0xFF]) }
        #expect { _ = try IDXFile(parsing: d, name: "x.idx", expectedRank: 4) } throws: {
            "\($0)".contains("implausible dimensions")
        }
    }

    @Test func inputFilesMustBeRegularAndBounded() throws {
        #expect { _ = try InputFile.contents(of: "/dev/zero") } throws: {
            "\($0)".contains("/dev/zero: is not a regular file")
        }
        #expect { _ = try InputFile.contents(of: NSTemporaryDirectory()) } throws: {
            "\($0)".contains("not a regular file")
        }
        let path = temporaryDirectory() + "/ten"
        FileManager.default.createFile(atPath: path, contents: Data(count: 10))
        #expect { _ = try InputFile.contents(of: path, limit: 9) } throws: {
            "\($0)".contains("more than the 9 bytes it may be")
        }
        #expect(throws: DataError.missing(file: "/nonexistent/x")) { _ = try InputFile.contents(of: "/nonexistent/x") }
    }

    @Test func metricsRowsMustBeCompleteAndInRange() throws {
        // The legacy layouts (9 columns; 11 with the KL weight and β) and today's (12, with the learning rate;
        // the last three may be empty).
        let header = EpochRecord.legacyHeader
        let good = "1,100.0,90.0,10.0,101.0,91.0,10.0,0.5,1000.0"
        #expect(try MetricsLog(data: Data("\(header)\n\(good)\n".utf8), name: "m.csv").records.count == 1)
        #expect(try MetricsLog(data: Data("\(header)\r\n\(good)\r\n".utf8), name: "m.csv").records.count == 1)
        let weights = EpochRecord.weightsHeader
        let read = try MetricsLog(data: Data("\(weights)\n\(good),0.25,0.5\n2\(good.dropFirst()),,\n".utf8), name: "m")
        #expect(read.records.map(\.klWeight) == [0.25, nil] && read.records.map(\.beta) == [0.5, nil])
        #expect(try MetricsLog(data: read.encoded(), name: "again").records == read.records)
        let current = EpochRecord.csvHeader
        let rated = try MetricsLog(
            data: Data("\(current)\n\(good),0.25,0.5,0.0005\n2\(good.dropFirst()),,,\n".utf8), name: "m")
        #expect(rated.records.map(\.learningRate) == [0.0005, nil] && rated.records.map(\.beta) == [0.5, nil])
        #expect(try MetricsLog(data: rated.encoded(), name: "again").records == rated.records)
        let cases: [(String, String)] = [
            ("\(weights)\n\(good)\n", "line 2 is not a metrics row (11 fields"),
            ("\(current)\n\(good),0.5,1\n", "line 2 is not a metrics row (12 fields"),
            ("\(weights)\n\(good),-1,1\n", "line 2"),
            ("\(weights)\n\(good),0.5,inf\n", "line 2"),
            ("\(weights)\n\(good),0.5,x\n", "line 2"),
            ("\(current)\n\(good),0.5,1,-0.001\n", "line 2"),
            ("\(current)\n\(good),0.5,1,nan\n", "line 2"),
            ("\(good)\n", "line 1 is not the metrics header"),
            ("\(header)\n1,100.0,,10.0,101.0,91.0,10.0,0.5,1000.0,7\n", "line 2"),
            ("\(header)\n1,100.0,90.0,10.0,101.0,91.0,10.0,0.5\n", "line 2"),
            ("\(header)\n0,100.0,90.0,10.0,101.0,91.0,10.0,0.5,1000.0\n", "line 2"),
            ("\(header)\n1,nan,90.0,10.0,101.0,91.0,10.0,0.5,1000.0\n", "line 2"),
            ("\(header)\n1,1e300,90.0,10.0,101.0,91.0,10.0,0.5,1000.0\n", "line 2"),
            ("\(header)\n1,100.0,90.0,10.0,101.0,91.0,10.0,-0.5,1000.0\n", "line 2"),
            ("\(header)\n99999999999,100.0,90.0,10.0,101.0,91.0,10.0,0.5,1000.0\n", "line 2"),
            ("\(header)\n\(good)\n\(good)\n", "epoch 1 after epoch 1"),
            ("\(header)\n\(good)\n\n", "line 3"),
        ]
        for (text, expected) in cases {
            #expect { _ = try MetricsLog(data: Data(text.utf8), name: "m.csv") } throws: {
                "\($0)".hasPrefix("m.csv: ") && "\($0)".contains(expected)
            }
        }
        #expect { _ = try MetricsLog(data: Data([0xFF, 0xFE]), name: "m.csv") } throws: {
            "\($0)".contains("not UTF-8")
        }
    }

    /// Drawing never converts a huge or NaN double to an integer (that traps).
    @Test func lossCurveDrawsExtremeValues() {
        func record(_ e: Int, _ v: Double) -> EpochRecord {
            EpochRecord(
                epoch: e, train: LossSummary(loss: v, reconstruction: -v, kl: .nan),
                test: LossSummary(loss: -v, reconstruction: v, kl: .infinity),
                seconds: 1, samplesPerSecond: 1)
        }
        let image = LossCurve.draw([record(1, 1.7e308), record(2, -1.7e308), record(3, 1e-300)])
        #expect(image.width > 0 && image.pixels.contains { $0 > 0 })
    }

    /// Writes that fail name the file and the system's reason, and leave no temporary file.
    @Test func failedWritesNameTheFile() throws {
        let dir = temporaryDirectory()
        #expect { try AtomicFile.write(Data("x".utf8), to: "/proc/vae-test/model.safetensors") } throws: { error in
            "\(error)".hasPrefix("/proc/vae-test/model.safetensors: cannot be written")
                && !"\(error)".contains("Error Domain")
        }
        try FileManager.default.createDirectory(atPath: dir + "/taken", withIntermediateDirectories: true)
        #expect { try AtomicFile.write(Data("x".utf8), to: dir + "/taken") } throws: {
            "\($0)".contains("taken: cannot be written: is a directory")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["taken"])
    }
}

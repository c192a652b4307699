import Foundation
import Testing

@testable import VAE

/// The fuzz corpus without libFuzzer: every seed (a real file) still reads, and every input a fuzzer ever
/// crashed a reader with (Fuzz/regressions) is refused with an error, so a fixed bug stays fixed.
@Suite("fuzz corpus replay")
struct FuzzReplayTests {
    static let readers: [String: @Sendable (Data) throws -> Void] = [
        "safetensors": { _ = try SafeTensors(data: $0, name: "replay") },
        "idx": { data in
            // Each seed is one rank or the other: images (3) or labels (1).
            if (try? IDXFile(data: data, name: "replay", expectedRank: 1, limit: 64 << 20)) == nil {
                _ = try IDXFile(data: data, name: "replay", expectedRank: 3, limit: 64 << 20)
            }
        },
        "metrics": { _ = try MetricsLog(data: $0, name: "replay") },
        "image": { _ = try ImageDecoder.decode($0, name: "replay") },
        "npy": { data in
            let array = try NumPyArray(data: data, name: "replay")
            if array.elementType == .int64 { _ = array.labels() } else { _ = try array.pixels(name: "replay") }
        },
    ]

    static func files(_ folder: String) -> [(target: String, path: String)] {
        let root = Fixtures.root + "/Fuzz/" + folder
        return readers.keys.sorted().flatMap { target in
            ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + target)) ?? []).sorted().map {
                (target, root + "/" + target + "/" + $0)
            }
        }
    }

    @Test func everySeedReads() throws {
        let seeds = Self.files("corpus")
        #expect(Set(seeds.map(\.target)) == Set(Self.readers.keys), "each fuzz target has seeds")
        for (target, path) in seeds {
            #expect(throws: Never.self, "\(path)") {
                try Self.readers[target]!(try Data(contentsOf: URL(filePath: path)))
            }
        }
    }

    @Test func everyRegressionIsRefused() throws {
        let cases = Self.files("regressions")
        #expect(!cases.isEmpty)
        for (target, path) in cases {
            #expect(throws: DataError.self, "\(path)") {
                try Self.readers[target]!(try Data(contentsOf: URL(filePath: path)))
            }
        }
    }
}

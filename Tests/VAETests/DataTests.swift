import Foundation
import TestSupport
import Testing

@testable import VAE

@Suite("data")
struct DataTests {
    @Test func bundledMNISTHasTheKnownSizes() {
        let m = Fixtures.mnist
        #expect(m.train.count == 60_000 && m.test.count == 10_000)
        #expect(m.train.height == 28 && m.train.width == 28)
        #expect(m.test.labels.prefix(8) == [7, 2, 1, 0, 4, 1, 4, 9])
    }

    func idx(_ magic: [UInt8], _ dims: [UInt32], _ payload: Int) -> Data {
        var d = Data(magic)
        for x in dims {
            d.append(contentsOf: [UInt8(x >> 24), UInt8(x >> 16 & 255), UInt8(x >> 8 & 255), UInt8(x & 255)])
        }
        d.append(Data(count: payload))
        return d
    }

    @Test func rawAndDamagedFiles() throws {
        let dir = temporaryDirectory()
        func write(_ name: String, _ data: Data) -> String {
            let p = dir + "/" + name
            FileManager.default.createFile(atPath: p, contents: data)
            return p
        }
        let good = write("good", idx([0, 0, 8, 3], [2, 2, 3], 12))
        #expect(try IDXFile(contentsOf: good, expectedRank: 3).dimensions == [2, 2, 3])
        func fails(_ path: String, rank: Int, _ text: String) {
            #expect { try IDXFile(contentsOf: path, expectedRank: rank) } throws: {
                "\($0)".contains(text) && "\($0)".contains(path)
            }
        }
        fails(write("magic", idx([0, 0, 9, 3], [2, 2, 3], 12)), rank: 3, "not an IDX file")
        fails(write("rank", idx([0, 0, 8, 1], [12], 12)), rank: 3, "expected 3 dimensions")
        fails(write("short", idx([0, 0, 8, 3], [2, 2, 3], 11)), rank: 3, "truncated")
        fails(write("long", idx([0, 0, 8, 3], [2, 2, 3], 13)), rank: 3, "unexpected bytes")
        fails(dir + "/absent", rank: 3, "no such file")
        let gz = try Data(contentsOf: URL(filePath: Fixtures.root + "/Data/mnist/t10k-labels-idx1-ubyte.gz"))
        fails(write("cut.gz", gz.prefix(gz.count / 2)), rank: 1, "truncated")
        var damaged = gz; damaged[40] ^= 0xFF; damaged[41] ^= 0xFF; damaged[42] ^= 0xFF
        fails(write("damaged.gz", damaged), rank: 1, "gzip data is damaged")
    }

    @Test func imageAndLabelCountsMustAgree() throws {
        let dir = temporaryDirectory()
        FileManager.default.createFile(
            atPath: dir + "/train-images-idx3-ubyte", contents: idx([0, 0, 8, 3], [3, 2, 2], 12))
        FileManager.default.createFile(atPath: dir + "/train-labels-idx1-ubyte", contents: idx([0, 0, 8, 1], [2], 2))
        #expect { try MNIST(directory: dir) } throws: { "\($0)".contains("has 3 images but") }
        #expect { try MNIST(directory: dir + "/nope") } throws: { "\($0)".contains("no such file") }
    }
}

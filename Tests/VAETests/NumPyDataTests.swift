import CMinizip
import Foundation
import TestSupport
import Testing
import VAEFormats

@testable import VAE

@Suite("numpy data")
struct NumPyDataTests {
    /// The bytes of a `.npy` file with `descr`, `shape` and raw `payload`.
    func npy(_ descr: String, _ shape: [Int], _ payload: [UInt8], fortran: Bool = false) -> Data {
        let dims = shape.map(String.init).joined(separator: ", ") + (shape.count == 1 ? "," : "")
        let header = "{'descr': '\(descr)', 'fortran_order': \(fortran ? "True" : "False"), 'shape': (\(dims)), }\n"
        var d = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0])
        d.append(contentsOf: Array(header.utf8))
        d.append(contentsOf: payload)
        return d
    }

    func floats(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian, Array.init) }
    }

    /// Writes a `.npz` (a zip of `.npy` members, deflated when `compressed`) with minizip.
    func npz(_ path: String, _ members: [(String, Data)], compressed: Bool) {
        let zip = zipOpen64(path, 0)!
        for (name, data) in members {
            var info = zip_fileinfo()
            zipOpenNewFileInZip64(
                zip, name + ".npy", &info, nil, 0, nil, 0, nil, compressed ? Z_DEFLATED : 0,
                compressed ? Z_DEFAULT_COMPRESSION : 0, 0)
            _ = data.withUnsafeBytes { zipWriteInFileInZip(zip, $0.baseAddress, UInt32($0.count)) }
            zipCloseFileInZip(zip)
        }
        zipClose(zip, nil)
    }

    /// uint8 N×H×W is grey; float32 N×H×W×C in [0, 1] is scaled to bytes and turned into planes.
    @Test func npyLayouts() throws {
        let dir = temporaryDirectory()
        TestImages.write(npy("|u1", [4, 2, 3], (0..<24).map { UInt8($0) }), dir + "/grey.npy")
        var r = DataRequest(source: dir + "/grey.npy")
        r.testSplit = 0.25
        let grey = try TrainingData.load(r)
        #expect(grey.train.count == 3 && grey.test.count == 1 && grey.train.channels == 1 && grey.train.width == 3)
        // Two 2×1 RGB images, pixel-interleaved: (1, 0, 0.5), (0, 1, 0) then zeros.
        let values: [Float] = [1, 0, 0.5, 0, 1, 0] + [Float](repeating: 0, count: 6)
        TestImages.write(npy("<f4", [2, 2, 1, 3], floats(values)), dir + "/rgb.npy")
        let rgb = try TrainingData.load(DataRequest(source: dir + "/rgb.npy"))
        let all = rgb.train.images + rgb.test.images
        #expect(rgb.train.channels == 3 && rgb.train.height == 2 && rgb.train.width == 1)
        #expect(
            all.count == 12
                && (rgb.train.images == [255, 0, 0, 255, 128, 0] || rgb.test.images == [255, 0, 0, 255, 128, 0]))
    }

    /// An `.npz` with train and test arrays and labels (Keras's mnist.npz names), stored or deflated.
    @Test(arguments: [false, true]) func npzWithTrainTestAndLabels(compressed: Bool) throws {
        let dir = temporaryDirectory(), path = dir + "/set.npz"
        npz(
            path,
            [
                ("x_train", npy("|u1", [3, 1, 2, 2], [UInt8](repeating: 9, count: 12))),
                ("y_train", npy("<i8", [3], [1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
                ("x_test", npy("|u1", [1, 1, 2, 2], [1, 2, 3, 4])),
            ], compressed: compressed)
        #expect(try TrainingData.recognise(path) == .npy)
        let data = try TrainingData.load(DataRequest(source: path))
        #expect(data.train.count == 3 && data.train.labels == [1, 2, 0] && data.train.labelled)
        #expect(data.test.images == [1, 2, 3, 4] && !data.test.labelled && data.train.channels == 1)
    }

    /// Each refused array is one line that names the file and says what would work.
    @Test func badArraysAreRefused() throws {
        let dir = temporaryDirectory()
        func refuse(_ data: Data, _ expected: String, layout: ArrayLayout? = nil) {
            let path = dir + "/bad.npy"
            TestImages.write(data, path)
            var r = DataRequest(source: path)
            r.layout = layout
            #expect { try TrainingData.load(r) } throws: { "\($0)".contains(expected) }
        }
        refuse(
            npy("|u1", [2, 3, 4, 3], [UInt8](repeating: 0, count: 72)), "say which with --layout nhwc or --layout nchw")
        refuse(
            npy("<f4", [2, 2, 2], floats([0, 1, 2, 255, 0, 0, 0, 0])),
            "float images must lie in [0, 1] (they look like 0–255")
        refuse(npy("<c8", [2, 2, 2], [UInt8](repeating: 0, count: 64)), "has elements of type '<c8'")
        refuse(
            npy("|u1", [2, 2, 2], [UInt8](repeating: 0, count: 7)), "truncated: shape [2, 2, 2] of |u1 needs 8 bytes")
        refuse(npy("|u1", [8], [UInt8](repeating: 0, count: 8)), "images need N×H×W, N×H×W×C or N×C×H×W")
        refuse(npy("|u1", [2, 2, 2], [UInt8](repeating: 0, count: 8), fortran: true), "Fortran order")
        refuse(npy("|u1", [2, 5, 2, 2], [UInt8](repeating: 0, count: 40)), "images need 1 or 3 channels")
        refuse(Data("PK\u{3}\u{4}junk".utf8), "is not a NumPy .npy file")
        // --layout settles the ambiguous case.
        TestImages.write(npy("|u1", [2, 3, 4, 3], [UInt8](repeating: 0, count: 72)), dir + "/ok.npy")
        var r = DataRequest(source: dir + "/ok.npy")
        r.layout = .nchw
        #expect(try TrainingData.load(r).train.height == 4)
        TestImages.write(Data("not a zip".utf8), dir + "/bad.npz")
        #expect { try TrainingData.load(DataRequest(source: dir + "/bad.npz")) } throws: {
            "\($0)".contains("bad.npz: is not a readable zip archive")
        }
    }
}

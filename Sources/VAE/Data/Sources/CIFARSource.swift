import Foundation
import VAEFormats

/// CIFAR-10's binary batches (`data_batch_1.bin`…`data_batch_5.bin`, `test_batch.bin`) or CIFAR-100's
/// (`train.bin`, `test.bin`, two label bytes, the fine label kept), in a directory or in the
/// `cifar-10-batches-bin` / `cifar-100-binary` folder the downloads unpack to.
enum CIFARSource {
    /// The directory holding the batches, if `path` is or contains one.
    static func directory(in path: String) -> String? {
        for candidate in [path, path + "/cifar-10-batches-bin", path + "/cifar-100-binary"] {
            if exists(candidate, "data_batch_1.bin") || exists(candidate, "train.bin") { return candidate }
        }
        return nil
    }

    static func load(_ path: String) throws -> (train: ImageDataset, test: ImageDataset?) {
        guard let dir = directory(in: path) else {
            throw DataError.mismatch(
                "\(path): no CIFAR batches (data_batch_1.bin…, test_batch.bin, or CIFAR-100's train.bin, test.bin)")
        }
        let hundred = !exists(dir, "data_batch_1.bin")
        let labelBytes = hundred ? 2 : 1
        let trainFiles = hundred ? ["train.bin"] : (1...5).map { "data_batch_\($0).bin" }.filter { exists(dir, $0) }
        let testFile = hundred ? "test.bin" : "test_batch.bin"
        func read(_ files: [String]) throws -> ImageDataset {
            let parts = try files.map { try CIFARFile(contentsOf: dir + "/" + $0, labelBytes: labelBytes) }
            return ImageDataset(
                images: parts.flatMap(\.images), labels: parts.flatMap(\.labels),
                count: parts.reduce(0) { $0 + $1.count },
                height: 32, width: 32, channels: 3)
        }
        return (try read(trainFiles), exists(dir, testFile) ? try read([testFile]) : nil)
    }

    private static func exists(_ dir: String, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(name))
    }
}

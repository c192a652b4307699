import Foundation
import VAEFormats

/// Decoded images kept between runs, so a folder of JPEGs is decoded once. An entry is a directory named
/// by a 64-bit FNV-1a hash of its key (the files' paths, sizes and times and the transform) holding
/// `train-images.npy` (N×C×H×W bytes), `train-labels.npy`, the same for `test` when the source has a
/// test part, and the full key in `key.txt`, written last: an entry is used only when its key matches
/// exactly, so a hash collision or an entry cut short by a crash is a miss, never wrong images.
/// The `.npy` files load in NumPy as they are.
struct DatasetCache {
    let path: String
    let key: String

    init(directory: String, key: String) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        path = (directory as NSString).appendingPathComponent(String(format: "%016llx", hash))
        self.key = key
    }

    private func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// The cached parts, or nil on a miss or anything unreadable.
    func load() -> (train: ImageDataset, test: ImageDataset?)? {
        guard let stored = try? InputFile.contents(of: file("key.txt")), String(decoding: stored, as: UTF8.self) == key
        else { return nil }
        func part(_ name: String) -> ImageDataset? {
            guard let images = try? NumPyArray(contentsOf: file("\(name)-images.npy")),
                let labels = try? NumPyArray(contentsOf: file("\(name)-labels.npy")),
                images.elementType == .uint8, images.shape.count == 4,
                labels.shape == [images.shape[0]] || labels.shape == [images.shape[0], 1]
            else { return nil }
            let s = images.shape
            return ImageDataset(
                images: images.payload, labels: Array(labels.payload.prefix(s[0])), count: s[0], height: s[2],
                width: s[3], channels: s[1], labelled: labels.shape.count == 1)
        }
        guard let train = part("train") else { return nil }
        let hasTest = FileManager.default.fileExists(atPath: file("test-images.npy"))
        let test = hasTest ? part("test") : nil
        if hasTest && test == nil { return nil }
        return (train, test)
    }

    /// Stores the parts; a failure (a full disk, a read-only home) is a note, not an error: the images are
    /// already in memory.
    func store(train: ImageDataset, test: ImageDataset?, note: DataNote?) {
        do {
            try? FileManager.default.removeItem(atPath: path)
            for (name, part) in [("train", train)] + (test.map { [("test", $0)] } ?? []) {
                try AtomicFile.write(
                    NumPyArray.encoded(
                        bytes: part.images, shape: [part.count, part.channels, part.height, part.width]),
                    to: file("\(name)-images.npy"))
                // Unlabelled sets store their labels as N×1, so the cache remembers that there are none.
                try AtomicFile.write(
                    NumPyArray.encoded(bytes: part.labels, shape: part.labelled ? [part.count] : [part.count, 1]),
                    to: file("\(name)-labels.npy"))
            }
            try AtomicFile.write(Data(key.utf8), to: file("key.txt"))
        } catch {
            note?("vae: note: the decoded images could not be cached (\(error)); the next run decodes them again")
        }
    }
}

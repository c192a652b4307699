import Foundation
import VAEFormats

/// Images from a NumPy `.npy` (one array: the images) or `.npz` (`train`/`x_train` and `test`/`x_test`
/// arrays with optional `y_train`/`train_labels`… labels, or a single array). Arrays are uint8, or floats
/// in [0, 1]; N×H×W (grey), N×H×W×C or N×C×H×W with C = 1 or 3 (`--layout` when both would fit).
enum NumPySource {
    static let trainNames = ["train", "x_train", "train_images", "images", "x"]
    static let testNames = ["test", "x_test", "test_images"]
    static let trainLabelNames = ["y_train", "train_labels", "labels", "y"]
    static let testLabelNames = ["y_test", "test_labels"]

    static func load(_ path: String, layout: ArrayLayout?) throws -> (train: ImageDataset, test: ImageDataset?) {
        if path.lowercased().hasSuffix(".npy") {
            return (try dataset(NumPyArray(contentsOf: path), labels: nil, name: path, layout: layout), nil)
        }
        let arrays = try NumPyArchive.arrays(contentsOf: path)
        func named(_ names: [String]) -> (String, NumPyArray)? {
            for name in names { if let a = arrays.first(where: { $0.name == name }) { return (name, a.array) } }
            return nil
        }
        let train: (String, NumPyArray)
        if let found = named(trainNames) {
            train = found
        } else if arrays.count == 1 {
            train = (arrays[0].name, arrays[0].array)
        } else {
            throw DataError.mismatch(
                "\(path): holds arrays \(arrays.map { "'\($0.name)'" }.joined(separator: ", ")); name the images 'train' (and 'test'), or save one array"
            )
        }
        let trainSet = try dataset(
            train.1, labels: named(trainLabelNames), name: "\(path) (\(train.0))", layout: layout)
        let testSet = try named(testNames).map {
            try dataset($0.1, labels: named(testLabelNames), name: "\(path) (\($0.0))", layout: layout)
        }
        if let testSet,
            (testSet.channels, testSet.height, testSet.width) != (trainSet.channels, trainSet.height, trainSet.width)
        {
            throw DataError.mismatch(
                "\(path): training images are \(trainSet.imageSize) but test images \(testSet.imageSize)")
        }
        return (trainSet, testSet)
    }

    /// The images of `array` as channel planes, with `labels` when they fit (one per image, 0…255).
    static func dataset(
        _ array: NumPyArray, labels: (String, NumPyArray)?, name: String, layout: ArrayLayout?
    ) throws -> ImageDataset {
        let s = array.shape
        let (n, c, h, w, order): (Int, Int, Int, Int, ArrayLayout)
        switch s.count {
        case 3:
            (n, c, h, w, order) = (s[0], 1, s[1], s[2], .nchw)
        case 4:
            let last = s[3] == 1 || s[3] == 3, second = s[1] == 1 || s[1] == 3
            let chosen: ArrayLayout
            if let layout {
                chosen = layout
            } else if last && !second {
                chosen = .nhwc
            } else if second && !last {
                chosen = .nchw
            } else if last && second {
                throw DataError.mismatch(
                    "\(name): shape \(s) could be N×H×W×C or N×C×H×W; say which with --layout nhwc or --layout nchw")
            } else {
                throw DataError.corrupt(
                    file: name, reason: "has shape \(s): images need 1 or 3 channels (N×H×W×C or N×C×H×W)")
            }
            (n, c, h, w, order) =
                chosen == .nhwc ? (s[0], s[3], s[1], s[2], .nhwc) : (s[0], s[1], s[2], s[3], .nchw)
            guard c == 1 || c == 3 else {
                throw DataError.corrupt(
                    file: name, reason: "has shape \(s): as \(chosen.rawValue) that is \(c) channels, not 1 or 3")
            }
        default:
            throw DataError.corrupt(
                file: name, reason: "has shape \(s): images need N×H×W, N×H×W×C or N×C×H×W (3 or 4 dimensions)")
        }
        guard n > 0, h > 0, w > 0 else { throw DataError.corrupt(file: name, reason: "has no images (shape \(s))") }
        var pixels = try array.pixels(name: name)
        if order == .nhwc { pixels = FolderSource.planes(pixels, images: n, plane: h * w, channels: c) }
        var labelBytes = [UInt8](repeating: 0, count: n), labelled = false
        if let (labelName, labelArray) = labels {
            guard labelArray.shape == [n] else {
                throw DataError.mismatch(
                    "\(name) has \(n) images but '\(labelName)' has shape \(labelArray.shape), not [\(n)]")
            }
            guard let values = labelArray.labels() else {
                throw DataError.mismatch("'\(labelName)' beside \(name): labels must be integers 0…255")
            }
            labelBytes = values; labelled = true
        }
        return ImageDataset(
            images: pixels, labels: labelBytes, count: n, height: h, width: w, channels: c, labelled: labelled)
    }
}

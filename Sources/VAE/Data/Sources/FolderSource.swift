import Foundation
import VAEFormats

/// A folder of PNG and JPEG images, searched recursively (hidden files and folders skipped), decoded with
/// libpng and libjpeg-turbo in parallel. `train/` and `test/` sub-folders are the split when both are
/// there; images in class sub-folders are labelled by the folder (sorted names → 0, 1, …), as
/// torchvision's ImageFolder labels them. A file that does not decode is skipped with a warning that
/// names it; a folder where nothing decodes is an error.
enum FolderSource {
    struct File: Sendable {
        var path: String
        /// The path below the split's root (its first component is the class when there are classes).
        var relative: String
        var size: Int
        var modified: Double
    }

    /// Whether `path` is a directory with at least one image file somewhere below it.
    static func containsImages(_ path: String) -> Bool {
        guard let walk = FileManager.default.enumerator(atPath: path) else { return false }
        while let next = walk.nextObject() as? String {
            if isImageName(next) { return true }
        }
        return false
    }

    static func isImageName(_ name: String) -> Bool {
        let base = (name as NSString).lastPathComponent
        return !base.hasPrefix(".") && ImageFormat.extensions.contains((base as NSString).pathExtension.lowercased())
    }

    /// The image files below `root`, sorted by path, with sizes and modification times.
    static func list(_ root: String) -> [File] {
        guard let walk = FileManager.default.enumerator(atPath: root) else { return [] }
        var files: [File] = []
        while let next = walk.nextObject() as? String {
            if (next as NSString).lastPathComponent.hasPrefix(".") {
                walk.skipDescendants()
                continue
            }
            guard isImageName(next) else { continue }
            let path = (root as NSString).appendingPathComponent(next)
            var info = stat()
            guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { continue }
            let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) * 1e-9
            files.append(File(path: path, relative: next, size: Int(info.st_size), modified: modified))
        }
        return files.sorted { $0.relative < $1.relative }
    }

    static func load(
        _ request: DataRequest, progress: DataProgress?, note: DataNote?
    ) throws -> (train: ImageDataset, test: ImageDataset?) {
        let root = request.source
        let trainRoot = (root as NSString).appendingPathComponent("train")
        let testRoot = (root as NSString).appendingPathComponent("test")
        let split = containsImages(trainRoot) && containsImages(testRoot)
        let trainFiles = list(split ? trainRoot : root), testFiles = split ? list(testRoot) : []
        guard !trainFiles.isEmpty else {
            throw DataError.mismatch("\(root): no PNG or JPEG images in this folder or below it")
        }
        let key = cacheKey(request.transform, trainFiles, testFiles)
        let cache = request.cacheDirectory.map {
            DatasetCache(directory: ($0 as NSString).appendingPathComponent("folders"), key: key)
        }
        if let cached = cache?.load() { return cached }

        // Classes: the first folder below each split's root, when every image is in one.
        let all = trainFiles + testFiles
        let labelled = all.allSatisfy { $0.relative.contains("/") }
        let classes = labelled ? Array(Set(all.map { String($0.relative.split(separator: "/")[0]) })).sorted() : []
        if classes.count > 256 {
            note?(
                "vae: note: \(root) has \(classes.count) class folders, more than labels hold (256); the images are read unlabelled"
            )
        }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        func label(_ f: File) -> UInt8 {
            guard classes.count <= 256, let i = index[String(f.relative.split(separator: "/")[0])] else { return 0 }
            return UInt8(i)
        }

        // Headers first, so the shape is agreed (and enormous images refused) before any pixel is decoded.
        let headers = parallelMap(all) { f in
            Result { try ImageDecoder.header(ofFile: f.path) }
        }
        var skipped: [(String, String)] = []
        var shapes: [ImageHeader] = []
        for (f, h) in zip(all, headers) {
            switch h {
            case .success(let header):
                if let crop = request.transform.centerCrop, crop > min(header.width, header.height) {
                    throw DataError.mismatch(
                        "\(f.path): --center-crop \(crop) is larger than the image (\(header.height)×\(header.width))")
                }
                shapes.append(header)
            case .failure(let error): skipped.append((f.path, "\(error)"))
            }
        }
        guard !shapes.isEmpty else {
            throw DataError.mismatch("\(root): none of its \(all.count) image files could be read (\(skipped[0].1))")
        }
        let transform = try agreedTransform(request.transform, shapes, root: root, note: note)

        // Decode, transform and place each image; the slots of skipped files are dropped afterwards.
        let (c, h, w) = (transform.channels!, transform.size!.height, transform.size!.width)
        let size = c * h * w
        var pixels = [UInt8](repeating: 0, count: all.count * size)
        let done = Counter()
        let failures = pixels.withUnsafeMutableBufferPointer { buffer -> [Int: String] in
            nonisolated(unsafe) let buffer = buffer
            let results = parallelMap(Array(all.indices)) { i -> String? in
                guard case .success = headers[i] else { return nil }
                defer { let n = done.increment(); progress?(n, all.count) }
                do {
                    let image = try ImageDecoder.decode(InputFile.contents(of: all[i].path), name: all[i].path)
                    let planes = FolderSource.planes(
                        image.pixels, plane: image.width * image.height, channels: image.channels)
                    let out = try transform.apply(
                        planes, channels: image.channels, height: image.height, width: image.width, name: all[i].path)
                    for (k, v) in out.enumerated() { buffer[i * size + k] = v }
                    return nil
                } catch {
                    return "\(error)"
                }
            }
            return Dictionary(uniqueKeysWithValues: results.enumerated().compactMap { i, r in r.map { (i, $0) } })
        }
        for (i, reason) in failures.sorted(by: { $0.key < $1.key }) { skipped.append((all[i].path, reason)) }
        if !skipped.isEmpty {
            let names = skipped.prefix(5).map { ($0.0 as NSString).lastPathComponent }.joined(separator: ", ")
            note?(
                "vae: warning: skipped \(skipped.count) of \(all.count) files that are not readable images (\(names)\(skipped.count > 5 ? ", …" : "")); the first: \(skipped[0].1)"
            )
        }
        let bad = Set(skipped.map(\.0))
        func part(_ range: Range<Int>) -> ImageDataset {
            let keep = range.filter { !bad.contains(all[$0].path) }
            var images = [UInt8]()
            images.reserveCapacity(keep.count * size)
            for i in keep { images.append(contentsOf: pixels[(i * size)..<((i + 1) * size)]) }
            return ImageDataset(
                images: images, labels: keep.map { label(all[$0]) }, count: keep.count, height: h, width: w,
                channels: c, labelled: labelled && classes.count <= 256)
        }
        let train = part(0..<trainFiles.count)
        let test = split ? part(trainFiles.count..<all.count) : nil
        guard train.count > 0, test.map({ $0.count > 0 }) ?? true else {
            throw DataError.mismatch(
                "\(split ? (train.count == 0 ? trainRoot : testRoot) : root): no image could be read")
        }
        cache?.store(train: train, test: test, note: note)
        return (train, test)
    }

    /// The transform with channels and size settled: those asked for, else the images' own when they all
    /// agree; mixed grey and colour needs `--channels`, mixed sizes are resized to the most common one.
    static func agreedTransform(
        _ asked: ImageTransform, _ shapes: [ImageHeader], root: String, note: DataNote?
    ) throws -> ImageTransform {
        var t = asked
        if t.channels == nil {
            let colour = shapes.filter { $0.channels == 3 }.count
            guard colour == 0 || colour == shapes.count else {
                throw DataError.mismatch(
                    "\(root): \(shapes.count - colour) grey and \(colour) colour images; choose --channels 1 or --channels 3"
                )
            }
            t.channels = colour == 0 ? 1 : 3
        }
        if t.size == nil {
            if let crop = t.centerCrop {
                t.size = .init(height: crop, width: crop)
            } else {
                var counts: [ImageTransform.Size: Int] = [:]
                for s in shapes { counts[.init(height: s.height, width: s.width), default: 0] += 1 }
                let common = counts.max {
                    $0.value < $1.value || ($0.value == $1.value && $0.key.description > $1.key.description)
                }!
                if counts.count > 1 {
                    note?(
                        "vae: note: \(root) has images of \(counts.count) sizes; all are resized to \(common.key), the most common (--image-size to choose)"
                    )
                }
                t.size = common.key
            }
        }
        return t
    }

    /// Interleaved pixels (HWC), of `images` images of `plane` pixels each, to channel planes (CHW).
    static func planes(_ pixels: [UInt8], images: Int = 1, plane: Int, channels c: Int) -> [UInt8] {
        guard c > 1 else { return pixels }
        var out = [UInt8](repeating: 0, count: pixels.count)
        for i in 0..<images {
            let base = i * c * plane
            for p in 0..<plane { for k in 0..<c { out[base + k * plane + p] = pixels[base + p * c + k] } }
        }
        return out
    }

    /// What identifies a decoded folder: the reader's version, the transform, and every file's path,
    /// size and modification time, so a changed, added or removed file misses the cache.
    static func cacheKey(_ transform: ImageTransform, _ train: [File], _ test: [File]) -> String {
        var key = "vulkanvae image folder 1\n\(transform.arguments)\n"
        for (part, files) in [("train", train), ("test", test)] {
            for f in files { key += "\(part)\t\(f.relative)\t\(f.size)\t\(f.modified)\n" }
        }
        return key
    }

    /// `body` over `items` on every core, results in order.
    static func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) -> R) -> [R] {
        var results = [R?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { out in
            nonisolated(unsafe) let out = out
            let parts = min(items.count, ProcessInfo.processInfo.activeProcessorCount * 4)
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                var i = p
                while i < items.count {
                    out[i] = body(items[i])
                    i += parts
                }
            }
        }
        return results.map { $0! }
    }
}

/// A count shared by threads.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func increment() -> Int {
        lock.withLock {
            value += 1; return value
        }
    }
}

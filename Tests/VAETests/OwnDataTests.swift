import CMinizip
import Foundation
import TestSupport
import Testing
import VAEFormats

@testable import VAE

/// Collects the notes a load prints.
final class Notes: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.withLock { lines } }
    var note: DataNote { { [self] line in lock.withLock { lines.append(line) } } }
}

@Suite("your own data")
struct OwnDataTests {
    /// A request for `source` with a cache of its own (or none).
    func request(_ source: String, cache: String? = nil) -> DataRequest {
        var r = DataRequest(source: source)
        r.cacheDirectory = cache
        return r
    }

    /// A colour image filled with one colour.
    func solid(_ r: UInt8, _ g: UInt8, _ b: UInt8, side: Int = 6) -> DecodedImage {
        TestImages.make(side, side, channels: 3) { _, _, k in [r, g, b][k] }
    }

    /// Class folders become labels 0, 1, … in name order; `train/` and `test/` are the split; PNG and
    /// JPEG decode to the same planes (JPEG of flat colours is exact to a level or two).
    @Test func foldersWithClassesAndSplit() throws {
        let root = temporaryDirectory()
        try TestImages.png(solid(255, 0, 0), root + "/train/cats/a.png")
        try TestImages.png(solid(0, 255, 0), root + "/train/cats/b.PNG")
        try TestImages.jpeg(solid(0, 0, 255), root + "/train/dogs/c.jpg")
        try TestImages.png(solid(9, 9, 9), root + "/test/dogs/d.png")
        TestImages.write(Data("notes".utf8), root + "/train/cats/README.txt")
        TestImages.write(Data("x".utf8), root + "/train/.hidden/e.png")
        let notes = Notes()
        let data = try TrainingData.load(request(root), note: notes.note)
        #expect(notes.all.isEmpty, "\(notes.all)")
        #expect(data.train.count == 3 && data.test.count == 1)
        #expect(data.train.channels == 3 && data.train.height == 6 && data.train.width == 6)
        #expect(data.train.labels == [0, 0, 1] && data.test.labels == [1] && data.train.labelled)
        let plane = 36
        // Image 0 is red: its red plane 255, green and blue 0.
        #expect(data.train.images[0..<plane].allSatisfy { $0 == 255 })
        #expect(data.train.images[plane..<(3 * plane)].allSatisfy { $0 == 0 })
        // Image 2 (JPEG) is blue, within a level or two.
        let blue = Array(data.train.images[(2 * 3 * plane)..<(3 * 3 * plane)])
        #expect(blue[0..<(2 * plane)].allSatisfy { $0 <= 3 } && blue[(2 * plane)...].allSatisfy { $0 >= 252 })
    }

    /// A flat folder without classes gets a held-out test part, the same on every load, and says so; a
    /// file that does not decode is skipped with a warning naming it.
    @Test func flatFolderIsSplitAndBadFilesSkipped() throws {
        let root = temporaryDirectory()
        for i in 0..<20 { try TestImages.png(solid(UInt8(i * 10), 0, 0), root + "/img\(i).png") }
        TestImages.write(Data("not an image".utf8), root + "/broken.png")
        let notes = Notes()
        var r = request(root)
        r.testSplit = 0.25
        let data = try TrainingData.load(r, note: notes.note)
        #expect(data.train.count == 15 && data.test.count == 5 && !data.train.labelled)
        #expect(notes.all.contains { $0.contains("skipped 1 of 21 files") && $0.contains("broken.png") })
        #expect(notes.all.contains { $0.contains("has no test part; 5 of its 20 images (25.0%) are held out") })
        let again = try TrainingData.load(r)
        #expect(again.test.images == data.test.images && again.train.images == data.train.images)
    }

    /// Mixed sizes are resized to the most common one (with a note); --image-size and --center-crop set
    /// the size; mixed grey and colour needs --channels.
    @Test func sizesAndChannelsAgree() throws {
        let root = temporaryDirectory()
        try TestImages.png(solid(200, 100, 0, side: 8), root + "/a.png")
        try TestImages.png(solid(200, 100, 0, side: 8), root + "/b.png")
        try TestImages.png(solid(200, 100, 0, side: 16), root + "/c.png")
        let notes = Notes()
        let data = try TrainingData.load(request(root), note: notes.note)
        #expect(data.train.height == 8 && data.test.height == 8)
        #expect(notes.all.contains { $0.contains("images of 2 sizes; all are resized to 8×8, the most common") })
        var r = request(root)
        r.transform = ImageTransform(channels: 1, centerCrop: 6, size: .init(height: 3, width: 4))
        let small = try TrainingData.load(r)
        #expect(small.train.channels == 1 && small.train.height == 3 && small.train.width == 4)
        // Luma of (200, 100, 0): 0.299·200 + 0.587·100 = 118.5 → 119 (a flat colour stays flat).
        #expect(Set(small.train.images + small.test.images) == [119])

        try TestImages.png(TestImages.make(8, 8, channels: 1) { _, _, _ in 7 }, root + "/grey.png")
        #expect { try TrainingData.load(request(root)) } throws: {
            "\($0)" == "\(root): 1 grey and 3 colour images; choose --channels 1 or --channels 3"
        }
        r = request(root)
        r.transform.channels = 3
        #expect(try TrainingData.load(r).train.channels == 3)
    }

    /// The second load of a folder comes from the cache (proved by a file damaged behind the cache's back,
    /// its size and time kept); changing a file's time misses it, and the damaged file is then skipped.
    @Test func decodedFoldersAreCached() throws {
        let root = temporaryDirectory(), cache = temporaryDirectory()
        for i in 0..<6 { try TestImages.png(solid(UInt8(i * 40), 50, 50), root + "/\(i).png") }
        let first = try TrainingData.load(request(root, cache: cache))
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache + "/folders")
        #expect(entries.count == 1)
        let target = root + "/3.png"
        var info = stat()
        #expect(stat(target, &info) == 0)
        TestImages.write(Data(repeating: 0x41, count: Int(info.st_size)), target)
        // The modification time put back to the nanosecond, as a copy that keeps times would.
        var times = [info.st_atim, info.st_mtim]
        #expect(utimensat(AT_FDCWD, target, &times, 0) == 0)
        let notes = Notes()
        let hit = try TrainingData.load(request(root, cache: cache), note: notes.note)
        #expect(hit.train.images == first.train.images && hit.test.images == first.test.images)
        #expect(notes.all.filter { $0.contains("skipped") }.isEmpty)
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: target)
        let miss = try TrainingData.load(request(root, cache: cache), note: notes.note)
        #expect(miss.train.count + miss.test.count == 5)
        #expect(notes.all.contains { $0.contains("skipped 1 of 6") && $0.contains("3.png") })
        // The cached arrays are plain .npy files.
        let newest = try FileManager.default.contentsOfDirectory(atPath: cache + "/folders")
        #expect(newest.count == 2)
    }

    /// Nothing to read is one line saying what was found and what is accepted.
    @Test func unreadableSourcesSayWhatTheyHold() throws {
        let empty = temporaryDirectory()
        #expect { try TrainingData.load(request(empty)) } throws: {
            "\($0)" == "\(empty): found nothing but no data; \(DataFormat.accepted)"
        }
        TestImages.write(Data("x".utf8), empty + "/notes.txt")
        #expect { try TrainingData.load(request(empty)) } throws: { "\($0)".contains("found 1 entries (notes.txt)") }
        let junk = temporaryDirectory()
        TestImages.write(Data("x".utf8), junk + "/a.png")
        TestImages.write(Data("y".utf8), junk + "/b.jpg")
        #expect { try TrainingData.load(request(junk)) } throws: {
            "\($0)".contains("none of its 2 image files could be read") && "\($0)".contains("is not a PNG or JPEG")
        }
        try TestImages.png(solid(1, 2, 3), junk + "/c.png")
        #expect { try TrainingData.load(request(junk + "/c.png")) } throws: {
            "\($0)".contains("c.png is one image; give the folder that holds the images")
        }
        #expect { try TrainingData.load(request(junk + "/nope")) } throws: { "\($0)".hasSuffix("nope: no such file") }
    }

    /// CIFAR-10 and CIFAR-100 records: planes as stored, the (fine) label kept; a file of the wrong
    /// length is refused.
    @Test func cifarBatches() throws {
        for labelBytes in [1, 2] {
            let dir = temporaryDirectory()
            func record(_ label: UInt8, _ fill: UInt8) -> [UInt8] {
                (labelBytes == 2 ? [99, label] : [label]) + [UInt8](repeating: fill, count: 1024)
                    + [UInt8](repeating: fill / 2, count: 1024) + [UInt8](repeating: 7, count: 1024)
            }
            let train = record(3, 200) + record(9, 100), test = record(5, 50)
            let names = labelBytes == 1 ? ("data_batch_1.bin", "test_batch.bin") : ("train.bin", "test.bin")
            let sub = dir + (labelBytes == 1 ? "/cifar-10-batches-bin" : "")
            TestImages.write(Data(train), sub + "/" + names.0)
            TestImages.write(Data(test), sub + "/" + names.1)
            #expect(try TrainingData.recognise(dir) == .cifar)
            let data = try TrainingData.load(request(dir))
            #expect(data.train.count == 2 && data.test.count == 1 && data.train.channels == 3)
            #expect(data.train.labels == [3, 9] && data.test.labels == [5])
            #expect(data.train.images[0] == 200 && data.train.images[1024] == 100 && data.train.images[2048] == 7)
            TestImages.write(Data(test.dropLast()), sub + "/" + names.1)
            #expect { try TrainingData.load(request(dir)) } throws: {
                "\($0)".contains(
                    "is \(test.count - 1) bytes, not a whole number of CIFAR-\(labelBytes == 1 ? 10 : 100) records")
            }
        }
    }

    /// IDX files under the variant names, without labels and without a test part.
    @Test func idxWithoutLabelsOrTestPart() throws {
        let dir = temporaryDirectory()
        var file = Data([0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0, 0, 3])
        file.append(contentsOf: (0..<60).map { UInt8($0) })
        TestImages.write(file, dir + "/train-images.idx3-ubyte")
        #expect(try TrainingData.recognise(dir) == .idx)
        let data = try TrainingData.load(request(dir))
        #expect(data.train.count == 9 && data.test.count == 1 && !data.train.labelled)
        #expect(data.train.height == 2 && data.train.width == 3)
    }

    /// Bits per dimension: nats / (D ln 2), plus 8 for a Gaussian density over [0, 1]-scaled 8-bit data;
    /// one nat per value of a 3×32×32 image is 1/ln 2 = 1.4427 bits.
    @Test func bitsPerDimension() {
        let d = 3 * 32 * 32
        let binary = BitsPerDimension(likelihood: .bernoulli, binary: true)
        #expect(abs(binary.bits(nats: Double(d) * log(2), dimensions: d) - 1) < 1e-12)
        #expect(abs(binary.bits(nats: Double(d), dimensions: d) - 1.4427) < 1e-4)
        let gaussian = BitsPerDimension(likelihood: .gaussian, binary: false)
        #expect(abs(gaussian.bits(nats: -Double(d) * log(2) * 3, dimensions: d) - 5) < 1e-12)
        #expect(BitsPerDimension(likelihood: .bernoulli, binary: false).remark.contains("not a likelihood"))
    }
}

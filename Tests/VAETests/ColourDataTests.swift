import Foundation
import Testing

@testable import VAE

/// The synthetic colour shapes, colour pictures, and int64 tensors in safetensors files.
@Suite("colour data")
struct ColourDataTests {
    /// The shapes are the same on every call (Philox), their two parts differ, and they are real pictures:
    /// three planes of 64×64 with dark backgrounds and bright shapes, every label among the three kinds.
    @Test func syntheticShapesAreReproducibleImages() throws {
        let a = SyntheticShapes.make(count: 40, test: false), b = SyntheticShapes.make(count: 40, test: false)
        #expect(a.images == b.images && a.labels == b.labels)
        #expect((a.channels, a.height, a.width, a.valuesPerImage) == (3, 64, 64, 12_288))
        #expect(a.imageSize == "3×64×64")
        let test = SyntheticShapes.make(count: 40, test: true)
        #expect(test.images != a.images)
        #expect(Set(a.labels).isSubset(of: [0, 1, 2]) && Set(a.labels + test.labels) == [0, 1, 2])
        // The first 10 images are a prefix of the 40 (the training set does not depend on how many are made).
        #expect(SyntheticShapes.make(count: 10, test: false).images == Array(a.images.prefix(10 * 12_288)))
        for i in 0..<a.count {
            let image = a.image(i)
            // A background at most 0.3 in every channel, shapes at least 0.35 in every channel: both present.
            let corner = [image[0], image[4096], image[8192]]
            var brightest: Float = 0
            for k in 0..<4096 { brightest = max(brightest, image[k] + image[4096 + k] + image[8192 + k]) }
            #expect(corner.allSatisfy { $0 <= 0.31 } || brightest > 1.04, "image \(i)")
            #expect(brightest >= 1.04, "image \(i) has no shape")
        }
    }

    /// `--data synthetic:shapes` with limits makes only what is asked; an unknown synthetic set is one line.
    @Test func theSyntheticSourceLoadsByName() throws {
        let data = try TrainingData.load("synthetic:shapes", trainLimit: 12, testLimit: 5)
        #expect(data.train.count == 12 && data.test.count == 5 && data.train.channels == 3)
        #expect { try TrainingData.load("synthetic:faces") } throws: {
            "\($0)" == "--data synthetic:faces: no such synthetic set (there is synthetic:shapes)"
        }
        // An MLP takes any image of its value count; a convolutional model the exact channels and sides.
        let conv = VAEConfiguration(
            architecture: .conv64, inputSize: 12_288, imageChannels: 3, imageHeight: 64, imageWidth: 64)
        #expect(data.train.fits(conv))
        let flat = ImageDataset(images: [], labels: [], count: 0, height: 64, width: 192, channels: 1)
        #expect(!flat.fits(conv))
        #expect(flat.fits(VAEConfiguration(inputSize: 12_288, imageHeight: 64, imageWidth: 192)))
    }

    /// A colour grid interleaves the planes into RGB pixels, and its PNG says colour type 2 in IHDR.
    @Test func colourPicturesAreRGB() throws {
        // One 2×2 image: red plane 1,0,0,0; green 0,1,0,0; blue 0,0,1,0.5.
        let image: [Float] = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0.5]
        let grid = PNGImage.grid([image], imageHeight: 2, imageWidth: 2, channels: 3, columns: 1, padding: 1)
        #expect(grid.width == 4 && grid.height == 4 && grid.channels == 3)
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { Array(grid.pixels[((y * 4 + x) * 3)..<((y * 4 + x) * 3 + 3)]) }
        #expect(pixel(1, 1) == [255, 0, 0] && pixel(2, 1) == [0, 255, 0])
        #expect(pixel(1, 2) == [0, 0, 255] && pixel(2, 2) == [0, 0, 128] && pixel(0, 0) == [0, 0, 0])
        let bytes = [UInt8](try grid.encoded())
        // IHDR: length 13, "IHDR", width 4, height 4, bit depth 8, colour type 2.
        #expect(Array(bytes[12..<16]) == Array("IHDR".utf8) && bytes[24] == 8 && bytes[25] == 2)
        let grey = PNGImage.grid([[0, 1, 1, 0]], imageHeight: 2, imageWidth: 2, columns: 1)
        #expect([UInt8](try grey.encoded())[25] == 0 && grey.pixels.count == 36)
    }

    /// int64 tensors (PyTorch's num_batches_tracked) survive a write and a read beside float ones, at their
    /// full range, and a file with an I64 tensor of the wrong byte count is refused.
    @Test func int64TensorsRoundTrip() throws {
        var file = SafeTensors()
        file.tensors["n"] = .init(shape: [], integers: [Int64.max])
        file.tensors["v"] = .init(shape: [3], integers: [-1, 0, 1 << 40])
        file.tensors["w"] = .init(shape: [2], values: [1.5, -2])
        let read = try SafeTensors(data: try file.encoded(), name: "x")
        #expect(read.tensors == file.tensors)
        let header = #"{"n":{"dtype":"I64","shape":[2],"data_offsets":[0,12]}}"#
        var data = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(Data(header.utf8))
        data.append(Data(count: 12))
        #expect { try SafeTensors(data: data, name: "bad.safetensors") } throws: {
            "\($0)".contains("of shape [2] needs 16 bytes, its offsets span 12")
        }
    }
}

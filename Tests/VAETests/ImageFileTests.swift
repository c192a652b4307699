import Foundation
import TestSupport
import Testing

@testable import VAE
@testable import VAEFormats

/// Test images made with the same libraries that read them.
enum TestImages {
    /// A `width`×`height` image whose pixel (x, y), channel k is `value(x, y, k)`.
    static func make(_ width: Int, _ height: Int, channels: Int, _ value: (Int, Int, Int) -> UInt8) -> DecodedImage {
        var pixels = [UInt8]()
        for y in 0..<height { for x in 0..<width { for k in 0..<channels { pixels.append(value(x, y, k)) } } }
        return DecodedImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    static func write(_ data: Data, _ path: String) {
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: data)
    }

    static func png(_ image: DecodedImage, _ path: String) throws { write(try ImageEncoder.png(image), path) }
    static func jpeg(_ image: DecodedImage, _ path: String) throws { write(try ImageEncoder.jpeg(image), path) }
}

@Suite("image files")
struct ImageFileTests {
    /// PNG keeps every value; the header is read without the pixels.
    @Test(arguments: [1, 3]) func pngRoundTrips(channels: Int) throws {
        let image = TestImages.make(5, 3, channels: channels) { x, y, k in UInt8((x * 40 + y * 7 + k * 90) % 256) }
        let data = try ImageEncoder.png(image)
        #expect(ImageFormat.sniff(data) == .png)
        #expect(try ImageDecoder.header(data, name: "a.png") == ImageHeader(width: 5, height: 3, channels: channels))
        #expect(try ImageDecoder.decode(data, name: "a.png") == image)
    }

    /// A file's header is read from its first 128 KiB: a large PNG (its header at the start), and a JPEG
    /// whose frame header lies after 180 KB of metadata segments (read again whole), both as the
    /// whole-file reader sees them.
    @Test func headersOfLargeFilesComeFromTheirStart() throws {
        let root = temporaryDirectory()
        var random = SystemRandomNumberGenerator()
        let noise = TestImages.make(300, 300, channels: 3) { _, _, _ in UInt8.random(in: 0...255, using: &random) }
        try TestImages.png(noise, root + "/noise.png")
        let smooth = TestImages.make(40, 30, channels: 3) { x, y, k in UInt8(50 + x * 2 + y + k * 30) }
        var jpeg = try ImageEncoder.jpeg(smooth)
        // Three APP15 segments of 60,000 bytes each, after the start-of-image marker.
        var segments = Data()
        for _ in 0..<3 {
            segments.append(contentsOf: [0xFF, 0xEF, 0xEA, 0x60] + [UInt8](repeating: 7, count: 60_000 - 2))
        }
        jpeg.insert(contentsOf: segments, at: 2)
        TestImages.write(jpeg, root + "/tagged.jpg")
        for (name, expected) in [
            ("noise.png", ImageHeader(width: 300, height: 300, channels: 3)),
            ("tagged.jpg", ImageHeader(width: 40, height: 30, channels: 3)),
        ] {
            let path = root + "/" + name
            #expect(try InputFile.size(of: path) > 128 << 10)
            #expect(try ImageDecoder.header(ofFile: path) == expected, "\(name)")
            #expect(try ImageDecoder.header(InputFile.contents(of: path), name: path) == expected)
        }
        #expect(try ImageDecoder.decode(InputFile.contents(of: root + "/tagged.jpg"), name: "tagged.jpg").width == 40)
    }

    /// JPEG is lossy: a smooth image comes back within a few levels, grey as grey and colour as colour.
    @Test(arguments: [1, 3]) func jpegDecodesCloseToTheOriginal(channels: Int) throws {
        let image = TestImages.make(16, 16, channels: channels) { x, y, k in UInt8(60 + x * 4 + y * 3 + k * 20) }
        let data = try ImageEncoder.jpeg(image, quality: 98)
        #expect(ImageFormat.sniff(data) == .jpeg)
        let back = try ImageDecoder.decode(data, name: "a.jpg")
        #expect(back.channels == channels && back.width == 16 && back.height == 16)
        let worst = zip(back.pixels, image.pixels).map { abs(Int($0) - Int($1)) }.max()!
        #expect(worst <= 4, "largest difference \(worst)")
    }

    /// Damaged and hostile files are refused naming the file, before any pixel buffer is made for a
    /// header that claims billions of pixels.
    @Test func badImagesAreRefused() throws {
        let image = TestImages.make(8, 8, channels: 3) { x, _, _ in UInt8(x * 30) }
        let png = try ImageEncoder.png(image), jpeg = try ImageEncoder.jpeg(image)
        #expect { try ImageDecoder.decode(Data("hello".utf8), name: "t.png") } throws: {
            "\($0)" == "t.png: is not a PNG or JPEG image"
        }
        #expect { try ImageDecoder.decode(png.prefix(png.count - 20), name: "cut.png") } throws: {
            "\($0)".hasPrefix("cut.png: unreadable PNG")
        }
        #expect { try ImageDecoder.decode(jpeg.prefix(jpeg.count / 2), name: "cut.jpg") } throws: {
            "\($0)".hasPrefix("cut.jpg: unreadable JPEG")
        }
        // IHDR claiming 100000×100000 with a correct CRC, so libpng accepts the header itself.
        var huge = [UInt8](png)
        for (offset, value) in [(16, 100_000), (20, 100_000)] {
            for b in 0..<4 { huge[offset + b] = UInt8(value >> (24 - 8 * b) & 0xFF) }
        }
        let crc = Gzip.crc(Array(huge[12..<29]))
        for b in 0..<4 { huge[29 + b] = UInt8(crc >> (24 - 8 * b) & 0xFF) }
        #expect { try ImageDecoder.header(Data(huge), name: "bomb.png") } throws: {
            "\($0)".contains("bomb.png: claims 100000×100000 pixels, more than the 100 megapixels")
        }
    }
}

@Suite("image transforms")
struct ImageTransformTests {
    /// Shrinking weighs source pixels by a triangle as wide as the reduction (Pillow's antialiased
    /// bilinear): halving [0, 0, 200, 200] gives (200·¼)/1¾ and (200·1½)/1¾, worked out by hand.
    /// A one-pixel checkerboard shrunk by 4 is mid-grey everywhere, not a sample of it (no aliasing).
    @Test func shrinkingAveragesEveryPixel() {
        #expect(
            ImageTransform.resize([0, 0, 200, 200], channels: 1, height: 1, width: 4, toHeight: 1, width: 2) == [
                29, 171,
            ])
        let checker: [UInt8] = (0..<64).map { (i: Int) -> UInt8 in (i / 8 + i % 8) % 2 == 0 ? 0 : 254 }
        let small = ImageTransform.resize(checker, channels: 1, height: 8, width: 8, toHeight: 2, width: 2)
        #expect(small.allSatisfy { (125...129).contains($0) }, "\(small)")
    }

    /// Enlarging keeps a constant image constant and a ramp monotonic and within its range.
    @Test func enlargingInterpolates() {
        #expect(
            Set(ImageTransform.resize([90, 90, 90, 90], channels: 1, height: 2, width: 2, toHeight: 5, width: 7)) == [
                90
            ])
        let ramp = ImageTransform.resize([0, 100, 200], channels: 1, height: 1, width: 3, toHeight: 1, width: 9)
        #expect(ramp == ramp.sorted() && ramp.first! == 0 && ramp.last! == 200)
    }

    /// The centred square, offsets as torchvision rounds them (left: round(1.5) = 2); grey ↔ RGB by BT.601 luma.
    @Test func cropAndChannels() throws {
        let image = (0..<20).map { UInt8($0) }  // 4×5
        #expect(ImageTransform.crop(image, channels: 1, height: 4, width: 5, to: 2) == [7, 8, 12, 13])
        #expect(ImageTransform.convert([10, 20], from: 1, to: 3, plane: 2) == [10, 20, 10, 20, 10, 20])
        #expect(ImageTransform.convert([255, 0, 0, 255, 0, 0], from: 3, to: 1, plane: 2) == [76, 150])
        let t = ImageTransform(channels: 3, centerCrop: 4, size: .init(height: 2, width: 2))
        let out = try t.apply(image, channels: 1, height: 4, width: 5, name: "x")
        #expect(out.count == 12 && out[0..<4] == out[4..<8])
        #expect {
            try ImageTransform(centerCrop: 6).apply(image, channels: 1, height: 4, width: 5, name: "x.png")
        } throws: {
            "\($0)" == "x.png: --center-crop 6 is larger than the image (4×5)"
        }
    }
}

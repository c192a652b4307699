// libFuzzer target: the PNG (libpng) and JPEG (libjpeg-turbo) readers through ImageDecoder: the header,
// then the pixels when the header's size is small enough to decode quickly (a header may claim up to
// ImageDecoder.maxPixels, whose decoding is slow but bounded; the fuzzer wants many inputs a second).
import Foundation
import VAEFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzImage(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard let header = try? ImageDecoder.header(data, name: "fuzz") else { return 0 }
    if header.width * header.height <= 1 << 20, let image = try? ImageDecoder.decode(data, name: "fuzz") {
        precondition(image.pixels.count == image.width * image.height * image.channels)
        precondition(image.width == header.width && image.height == header.height)
    }
    return 0
}

// libFuzzer target: the NumPy .npy reader (its dict-literal header parser, shapes and byte counts), then
// the conversions to pixels and labels that a loaded array goes through.
import Foundation
import VAEFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNumPy(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    guard let array = try? NumPyArray(data: data, name: "fuzz.npy") else { return 0 }
    if let pixels = try? array.pixels(name: "fuzz.npy") { precondition(pixels.count == array.count) }
    if let labels = array.labels() { precondition(labels.count == array.count) }
    return 0
}

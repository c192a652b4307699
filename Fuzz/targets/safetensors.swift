// libFuzzer target: the safetensors reader on arbitrary bytes. Any crash, trap or sanitizer report is a bug;
// a thrown DataError is the expected answer to bad input.
import Foundation
import VAEFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    _ = try? SafeTensors(data: Data(bytes: start, count: count), name: "fuzz.safetensors")
    return 0
}

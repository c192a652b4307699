// libFuzzer target: the IDX reader (MNIST's format), gzip-inflated first when the bytes are gzip, as
// images (rank 3) and as labels (rank 1). At most 64 MB is inflated, so the fuzzer's memory limit holds.
import Foundation
import VAEFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let data = Data(bytes: start, count: count)
    for rank in [1, 3] { _ = try? IDXFile(data: data, name: "fuzz.idx", expectedRank: rank, limit: 64 << 20) }
    return 0
}

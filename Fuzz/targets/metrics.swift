// libFuzzer target: the metrics.csv reader, then the loss plot of whatever it accepted.
import Foundation
import VAEFormats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMetrics(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    if let log = try? MetricsLog(data: Data(bytes: start, count: count), name: "fuzz.csv") {
        _ = log.encoded()
    }
    return 0
}

import Foundation

private let scratchRootPath = NSTemporaryDirectory() + "vae-tests-" + UUID().uuidString

/// Where this test process's scratch folders are made: one folder per process, named so that a leftover one
/// is recognisable, and removed when the process exits (so repeated runs of the suite do not fill the
/// temporary directory with a gigabyte each). `VAE_KEEP_TEST_FILES=1` keeps it for a look after a failure.
public let scratchRoot: String = {
    try! FileManager.default.createDirectory(atPath: scratchRootPath, withIntermediateDirectories: true)
    if ProcessInfo.processInfo.environment["VAE_KEEP_TEST_FILES"] == nil {
        atexit { try? FileManager.default.removeItem(atPath: scratchRootPath) }
    }
    return scratchRootPath
}()

/// A new empty folder under the process's scratch root.
public func temporaryDirectory() -> String {
    let path = scratchRoot + "/" + UUID().uuidString
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

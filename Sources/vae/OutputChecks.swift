import Foundation
import VAE

/// Where a command may write: never over one of its own inputs, never onto a folder, and never over an
/// existing file that is not a PNG (a picture option pointed at a checkpoint by mistake must not destroy it).
/// Pictures are PNG, so the name must say so: `--out x.jpg` would put PNG bytes under a JPEG name.
func checkPictureOutput(_ out: String, option: String = "--out", inputs: [String]) throws {
    let target = resolved(out)
    if let input = inputs.first(where: { resolved($0) == target }) {
        throw ConfigurationError("\(option) \(out) is the command's own input \(input); write the picture elsewhere")
    }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) {
        if isDirectory.boolValue {
            throw ConfigurationError("\(option) \(out) is a folder; name the PNG file to write")
        }
        let head = FileHandle(forReadingAtPath: out).flatMap { try? $0.read(upToCount: 8) } ?? Data()
        guard head == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            throw ConfigurationError(
                "\(option) \(out) exists and is not a PNG picture; it is not overwritten (remove it first)")
        }
    }
    guard out.lowercased().hasSuffix(".png") else {
        throw ConfigurationError("\(option) \(out): pictures are written as PNG; give a name ending in .png")
    }
}

/// A path with symbolic links and `.`/`..` resolved, for comparing two paths (a file that does not exist
/// yet is resolved through its folder).
func resolved(_ path: String) -> String {
    let url = URL(filePath: path).standardizedFileURL
    if FileManager.default.fileExists(atPath: url.path) { return url.resolvingSymlinksInPath().path }
    return url.deletingLastPathComponent().resolvingSymlinksInPath().appending(path: url.lastPathComponent).path
}

/// The index of the first command-line argument that is not valid UTF-8 (Swift would silently replace
/// its bad bytes, so a path would name another file), or nil.
func firstArgumentNotUTF8() -> Int? {
    for i in 1..<Int(CommandLine.argc) {
        guard let raw = CommandLine.unsafeArgv[i] else { continue }
        if String(validatingCString: raw) == nil { return i }
    }
    return nil
}

/// Refuses a `--count` of pictures above `Pictures.maxCount` (a picture of 100,000 digits is no picture).
func requireCount(_ count: Int) throws {
    guard count <= Pictures.maxCount else {
        throw ConfigurationError("--count must be at most \(Pictures.maxCount), got \(count)")
    }
}

/// Refuses a size option below `minimum`, naming it.
func require(_ value: Int, atLeast minimum: Int, _ option: String) throws {
    guard value >= minimum else {
        throw ConfigurationError(
            minimum == 1
                ? "\(option) must be positive, got \(value)" : "\(option) must be at least \(minimum), got \(value)")
    }
}

import Foundation
import VAECompute

/// Reading a file from outside: it must be a regular file (a FIFO or a device would block or never end)
/// no larger than `limit` bytes (default: the machine's memory), checked before a byte is read.
public enum InputFile {
    public static func contents(of path: String, limit: Int = MemoryBudget.physicalBytes) throws -> Data {
        _ = try size(of: path, limit: limit)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError.corrupt(file: path, reason: "cannot be read (\(String(cString: strerror(errno))))")
        }
        return data
    }

    /// The first `bytes` bytes of the regular file at `path` (all of it when it is shorter), for readers
    /// that need only a header.
    public static func prefix(of path: String, bytes: Int) throws -> Data {
        _ = try size(of: path)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DataError.corrupt(file: path, reason: "cannot be read (\(String(cString: strerror(errno))))")
        }
        defer { try? handle.close() }
        do {
            return try handle.read(upToCount: bytes) ?? Data()
        } catch {
            throw DataError.corrupt(file: path, reason: "cannot be read (\(error.localizedDescription))")
        }
    }

    /// The size of the regular file at `path`, checked as `contents(of:limit:)` checks it, for readers
    /// that open the file themselves.
    public static func size(of path: String, limit: Int = MemoryBudget.physicalBytes) throws -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw DataError.missing(file: path) }
            throw DataError.corrupt(file: path, reason: "cannot be read (\(String(cString: strerror(errno))))")
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw DataError.corrupt(file: path, reason: "is not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= limit else {
            throw DataError.corrupt(
                file: path,
                reason: "is \(MemoryBudget.describe(size)), more than the \(MemoryBudget.describe(limit)) it may be")
        }
        return size
    }
}

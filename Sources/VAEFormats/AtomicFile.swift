import Foundation

/// Whole-file writes that never leave a partial file behind: the bytes go to a temporary file in the
/// same directory (`.NAME.tmp-PID`), are flushed to disk, and the file is renamed over the target, so a
/// crash leaves the old file or the new one. A failure names the file and the system's reason
/// ("no space left on device") and removes the temporary file.
public enum AtomicFile {
    /// The prefix and infix of temporary names, so a later run can recognize and sweep a killed run's.
    public static func temporaryName(for name: String) -> String {
        ".\(name).tmp-\(ProcessInfo.processInfo.processIdentifier)"
    }

    public static func write(_ data: Data, to path: String) throws {
        let url = URL(filePath: path)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw DataError.cannotWrite(file: path, reason: "its folder cannot be made (\(systemReason(error)))")
        }
        let temporary = directory.appending(path: temporaryName(for: url.lastPathComponent)).path
        try writeDurably(data, to: temporary, reportedAs: path)
        guard rename(temporary, url.path) == 0 else {
            let reason = lastError()
            unlink(temporary)
            throw DataError.cannotWrite(file: path, reason: reason)
        }
        syncDirectory(directory.path)
    }

    /// Writes `data` to a new file at `path` (replacing one there) and flushes it to disk; errors name
    /// `reportedAs`, the file the user knows about.
    public static func writeDurably(_ data: Data, to path: String, reportedAs name: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError.cannotWrite(file: name, reason: lastError()) }
        var failure: String?
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = lastError()
                    return
                }
                offset += n
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = lastError() }
        if close(fd) != 0 && failure == nil { failure = lastError() }
        if let failure {
            unlink(path)
            throw DataError.cannotWrite(file: name, reason: failure)
        }
    }

    /// Flushes a directory's entries (a rename is durable only once its directory is).
    public static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }

    /// The system's reason for the last failed call, as a lower-case phrase ("no space left on device").
    public static func lastError() -> String {
        let text = String(cString: strerror(errno))
        return text.prefix(1).lowercased() + text.dropFirst()
    }

    public static func systemReason(_ error: Error) -> String {
        if let posix = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError, posix.domain == NSPOSIXErrorDomain
        {
            let text = String(cString: strerror(Int32(posix.code)))
            return text.prefix(1).lowercased() + text.dropFirst()
        }
        return (error as NSError).localizedDescription
    }
}

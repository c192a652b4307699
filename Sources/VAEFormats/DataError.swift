/// Problems with input files. Each names the file and says in one line what is wrong.
public enum DataError: Error, CustomStringConvertible, Equatable {
    case missing(file: String)
    case corrupt(file: String, reason: String)
    case mismatch(String)
    /// A file could not be written: `reason` is the system's ("no space left on device").
    case cannotWrite(file: String, reason: String)

    public var description: String {
        switch self {
        case let .missing(file): return "\(file): no such file"
        case let .corrupt(file, reason): return "\(file): \(reason)"
        case let .mismatch(message): return message
        case let .cannotWrite(file, reason): return "\(file): cannot be written: \(reason)"
        }
    }
}

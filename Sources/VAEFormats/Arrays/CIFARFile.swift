import Foundation

/// A file of CIFAR-10 or CIFAR-100 records in the binary version's format: per image, its label byte(s)
/// (CIFAR-10: the class; CIFAR-100: the coarse class, then the fine one) and 3,072 bytes, the red, green
/// and blue 32×32 planes, which is the channel-plane layout the models read.
public struct CIFARFile: Sendable {
    public static let imageBytes = 3 * 32 * 32

    public var images: [UInt8]
    public var labels: [UInt8]
    public var count: Int { labels.count }

    /// Reads `path`, whose records carry `labelBytes` label bytes (1 for CIFAR-10, 2 for CIFAR-100, whose
    /// fine label is kept).
    public init(contentsOf path: String, labelBytes: Int) throws {
        try self.init(data: try InputFile.contents(of: path), name: path, labelBytes: labelBytes)
    }

    public init(data: Data, name: String, labelBytes: Int) throws {
        precondition(labelBytes == 1 || labelBytes == 2)
        let record = labelBytes + CIFARFile.imageBytes
        let set = labelBytes == 1 ? "CIFAR-10" : "CIFAR-100"
        guard !data.isEmpty, data.count % record == 0 else {
            throw DataError.corrupt(
                file: name,
                reason:
                    "is \(data.count) bytes, not a whole number of \(set) records (\(record) bytes: \(labelBytes) label byte\(labelBytes == 1 ? "" : "s") + 3×32×32)"
            )
        }
        let n = data.count / record
        var images = [UInt8](repeating: 0, count: n * CIFARFile.imageBytes)
        var labels = [UInt8](repeating: 0, count: n)
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            images.withUnsafeMutableBytes { out in
                for i in 0..<n {
                    let r = i * record
                    labels[i] = raw[r + labelBytes - 1]
                    out.baseAddress!.advanced(by: i * CIFARFile.imageBytes).copyMemory(
                        from: raw.baseAddress!.advanced(by: r + labelBytes), byteCount: CIFARFile.imageBytes)
                }
            }
        }
        self.images = images; self.labels = labels
    }
}

import CMinizip
import Foundation
import VAECompute

/// The arrays of a NumPy `.npz` file (a zip of `.npy` files, stored by `np.savez` or deflated by
/// `np.savez_compressed`), read with minizip. Each member's size is checked against `limit` before it is
/// read, reading stops at the size the archive declares, and minizip's CRC check must pass.
public enum NumPyArchive {
    /// The arrays by name (the member's name without `.npy`), in the archive's order.
    public static func arrays(
        contentsOf path: String, limit: Int = MemoryBudget.physicalBytes
    ) throws -> [(name: String, array: NumPyArray)] {
        _ = try InputFile.size(of: path, limit: limit)
        guard let zip = unzOpen64(path) else {
            throw DataError.corrupt(file: path, reason: "is not a readable zip archive (a NumPy .npz)")
        }
        defer { unzClose(zip) }
        var out: [(String, NumPyArray)] = []
        var total = 0
        var status = unzGoToFirstFile(zip)
        while status == UNZ_OK {
            var info = unz_file_info64()
            var nameBytes = [CChar](repeating: 0, count: 1024)
            guard unzGetCurrentFileInfo64(zip, &info, &nameBytes, UInt(nameBytes.count), nil, 0, nil, 0) == UNZ_OK
            else { throw DataError.corrupt(file: path, reason: "has a damaged zip directory") }
            let member = String(decoding: nameBytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let where_ = "\(path) (\(member))"
            guard info.uncompressed_size <= UInt64(limit - total) else {
                throw DataError.corrupt(
                    file: where_,
                    reason:
                        "unpacks to \(info.uncompressed_size) bytes, more than the \(MemoryBudget.describe(limit)) it may be"
                )
            }
            let size = Int(info.uncompressed_size)
            total += size
            guard unzOpenCurrentFile(zip) == UNZ_OK else {
                throw DataError.corrupt(file: where_, reason: "cannot be unpacked (encrypted, or an unknown method)")
            }
            // One byte more than declared, so an archive that lies about a member's size is caught.
            var bytes = [UInt8](repeating: 0, count: size + 1)
            var read = 0
            while read < bytes.count {
                let n = bytes.withUnsafeMutableBytes {
                    unzReadCurrentFile(zip, $0.baseAddress! + read, UInt32(min($0.count - read, 1 << 30)))
                }
                guard n >= 0 else {
                    unzCloseCurrentFile(zip)
                    throw DataError.corrupt(file: where_, reason: "is damaged (zip error \(n))")
                }
                if n == 0 { break }
                read += Int(n)
            }
            let closed = unzCloseCurrentFile(zip)
            guard read == size else {
                throw DataError.corrupt(
                    file: where_, reason: "unpacks to \(read > size ? "more" : "fewer") bytes than the archive declares"
                )
            }
            guard closed == UNZ_OK else {
                throw DataError.corrupt(
                    file: where_, reason: closed == UNZ_CRCERROR ? "fails its CRC check" : "is damaged")
            }
            let name = member.hasSuffix(".npy") ? String(member.dropLast(4)) : member
            out.append((name, try NumPyArray(data: Data(bytes[0..<size]), name: where_)))
            status = unzGoToNextFile(zip)
        }
        guard status == UNZ_END_OF_LIST_OF_FILE else {
            throw DataError.corrupt(file: path, reason: "is not a readable zip archive (a NumPy .npz)")
        }
        return out
    }
}

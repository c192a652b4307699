import Foundation

/// The compute kernels of `Shaders/`, compiled to SPIR-V at build time by the CompileShaders plugin.
public enum ShaderLibrary {
    /// Names of every embedded shader (the file names in `Shaders/` without `.comp`).
    public static var names: [String] { EmbeddedShaders.base64.keys.sorted() }

    /// Whether shader `name` was built (the cooperative-matrix ones only are where the compiler knows them).
    public static func contains(_ name: String) -> Bool { EmbeddedShaders.base64[name] != nil }

    /// The SPIR-V words of shader `name`, or nil when no such shader was built.
    public static func spirv(_ name: String) -> [UInt32]? {
        guard let literal = EmbeddedShaders.base64[name] else { return nil }
        let text = literal.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
        guard let data = Data(base64Encoded: text), data.count % 4 == 0 else { return nil }
        return data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))
            }
        }
    }
}

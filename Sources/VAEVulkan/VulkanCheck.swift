import CVulkan
import Foundation
import VAECompute

/// Turns a failed Vulkan call into a thrown `ComputeError`: memory exhaustion becomes `.outOfMemory`,
/// a lost device or any other failure `.deviceFailure` naming the call.
func vkCheck(_ result: VkResult, _ call: @autoclosure () -> String, device: String = "vulkan", bytes: Int = 0) throws {
    if result == VK_SUCCESS { return }
    switch result {
    case VK_ERROR_OUT_OF_DEVICE_MEMORY, VK_ERROR_OUT_OF_HOST_MEMORY:
        throw ComputeError.outOfMemory(device: device, requestedBytes: bytes)
    case VK_ERROR_DEVICE_LOST:
        throw ComputeError.deviceFailure(
            "\(device): device lost during \(call()) (a driver reset or a kernel that ran too long)")
    default:
        throw ComputeError.deviceFailure("\(device): \(call()) failed with VkResult \(result.rawValue)")
    }
}

/// The first `count` bytes of a fixed-size C char array (imported as a tuple) as a String.
func cString<T>(_ tuple: T) -> String {
    withUnsafeBytes(of: tuple) { raw in
        let bytes = raw.prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// `VK_MAKE_API_VERSION`, which Swift cannot import as a macro.
func vkVersion(_ major: UInt32, _ minor: UInt32, _ patch: UInt32 = 0) -> UInt32 {
    cvk_make_api_version(0, major, minor, patch)
}

/// Runs `body` with a C array of C strings that lives for the call.
func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
    let pointers = strings.map { UnsafePointer(strdup($0)) }
    defer { pointers.forEach { free(UnsafeMutablePointer(mutating: $0)) } }
    return try body(pointers)
}

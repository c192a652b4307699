import CVulkan
import Foundation
import VAECompute

/// A Vulkan instance, optionally with the Khronos validation layer (core and synchronization checks)
/// whose messages are collected rather than printed, so tests can require that there are none.
final class VulkanInstance: @unchecked Sendable {
    let handle: VkInstance
    let validationEnabled: Bool
    private var messenger: VkDebugUtilsMessengerEXT?
    private let log: ValidationLog

    static let validationLayer = "VK_LAYER_KHRONOS_validation"

    /// Taken as writer while an instance or device is created or destroyed, as reader by every other
    /// Vulkan call (see `LayerLock` for the validation layer's race this avoids).
    static let lifecycle = LayerLock()

    /// Whether the Khronos validation layer is installed.
    static func validationAvailable() -> Bool {
        var count: UInt32 = 0
        guard vkEnumerateInstanceLayerProperties(&count, nil) == VK_SUCCESS, count > 0 else { return false }
        var layers = [VkLayerProperties](repeating: VkLayerProperties(), count: Int(count))
        guard vkEnumerateInstanceLayerProperties(&count, &layers) == VK_SUCCESS else { return false }
        return layers.contains { cString($0.layerName) == validationLayer }
    }

    init(validation: Bool) throws {
        Self.lifecycle.beginExclusive()
        defer { Self.lifecycle.end() }
        let useValidation = validation && Self.validationAvailable()
        let log = ValidationLog()
        var app = VkApplicationInfo()
        app.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO
        app.apiVersion = vkVersion(1, 1)
        let layers = useValidation ? [Self.validationLayer] : []
        let extensions = useValidation ? ["VK_EXT_debug_utils"] : []
        var instance: VkInstance?
        let result: VkResult = "VulkanVAE".withCString { name in
            app.pApplicationName = name
            app.pEngineName = name
            return withCStrings(layers) { layerNames in
                withCStrings(extensions) { extensionNames in
                    var enables = [VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT]
                    var features = VkValidationFeaturesEXT()
                    features.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT
                    features.enabledValidationFeatureCount = 1
                    return enables.withUnsafeMutableBufferPointer { enablesPtr in
                        features.pEnabledValidationFeatures = UnsafePointer(enablesPtr.baseAddress)
                        return withUnsafePointer(to: &app) { appPtr in
                            withUnsafePointer(to: &features) { featuresPtr in
                                layerNames.withUnsafeBufferPointer { lp in
                                    extensionNames.withUnsafeBufferPointer { ep in
                                        var info = VkInstanceCreateInfo()
                                        info.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
                                        info.pApplicationInfo = appPtr
                                        info.enabledLayerCount = UInt32(layers.count)
                                        info.ppEnabledLayerNames = lp.baseAddress
                                        info.enabledExtensionCount = UInt32(extensions.count)
                                        info.ppEnabledExtensionNames = ep.baseAddress
                                        if useValidation { info.pNext = UnsafeRawPointer(featuresPtr) }
                                        return vkCreateInstance(&info, nil, &instance)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        guard result == VK_SUCCESS, let instance else {
            throw ComputeError.noDevice(
                "no Vulkan driver could be loaded (vkCreateInstance returned \(result.rawValue)); install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers"
            )
        }
        handle = instance
        validationEnabled = useValidation
        self.log = log
        if useValidation { messenger = Self.makeMessenger(instance, log) }
    }

    deinit {
        Self.lifecycle.beginExclusive()
        defer { Self.lifecycle.end() }
        if let messenger,
            let destroy = unsafeBitCast(
                vkGetInstanceProcAddr(handle, "vkDestroyDebugUtilsMessengerEXT"),
                to: PFN_vkDestroyDebugUtilsMessengerEXT?.self)
        {
            destroy(handle, messenger, nil)
        }
        vkDestroyInstance(handle, nil)
    }

    /// Warnings and errors the validation layer reported so far.
    var validationMessages: [String] { log.messages }

    /// Every physical device, in the driver's order.
    func physicalDevices() throws -> [VkPhysicalDevice] {
        var count: UInt32 = 0
        try vkCheck(vkEnumeratePhysicalDevices(handle, &count, nil), "vkEnumeratePhysicalDevices")
        var devices = [VkPhysicalDevice?](repeating: nil, count: Int(count))
        try vkCheck(vkEnumeratePhysicalDevices(handle, &count, &devices), "vkEnumeratePhysicalDevices")
        return devices.compactMap { $0 }
    }

    private static func makeMessenger(_ instance: VkInstance, _ log: ValidationLog) -> VkDebugUtilsMessengerEXT? {
        guard
            let create = unsafeBitCast(
                vkGetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT"),
                to: PFN_vkCreateDebugUtilsMessengerEXT?.self)
        else { return nil }
        var info = VkDebugUtilsMessengerCreateInfoEXT()
        info.sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT
        info.messageSeverity =
            VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT.rawValue
        info.messageType =
            VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT.rawValue
            | VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT.rawValue
        info.pfnUserCallback = { _, _, data, user in
            if let data, let user, let text = data.pointee.pMessage {
                Unmanaged<ValidationLog>.fromOpaque(user).takeUnretainedValue().append(String(cString: text))
            }
            return VkBool32(VK_FALSE)
        }
        // The instance keeps `log` alive as long as the messenger exists.
        info.pUserData = Unmanaged.passUnretained(log).toOpaque()
        var messenger: VkDebugUtilsMessengerEXT?
        guard create(instance, &info, nil, &messenger) == VK_SUCCESS else { return nil }
        return messenger
    }
}

/// Validation messages, appended from the driver's threads.
final class ValidationLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [String] = []

    func append(_ message: String) { lock.withLock { stored.append(message) } }
    var messages: [String] { lock.withLock { stored } }
}

import CVulkan
import VAECompute

/// The logical device and what hangs off it for the life of a `VulkanDevice`: queue, memory, pipelines.
///
/// Everything that holds a Vulkan handle keeps a *strong* reference to its context, so the device is
/// destroyed last. (Optimized Swift ends object lifetimes at their last use; an `unowned` back-reference
/// crashed release builds in a prototype.)
final class VulkanContext: @unchecked Sendable {
    let instance: VulkanInstance
    let physical: VulkanPhysicalDevice
    let device: VkDevice
    let queue: VkQueue
    let queueFamily: UInt32
    let pushDescriptorSet: PFN_vkCmdPushDescriptorSetKHR
    let label: String

    /// `extraExtensions`: the cooperative-matrix extensions (`CooperativeMatrix.extensions`), whose features
    /// are then enabled too; nothing else is.
    init(instance: VulkanInstance, physical: VulkanPhysicalDevice, extraExtensions: [String] = []) throws {
        self.instance = instance
        self.physical = physical
        label = "vulkan:\(physical.index) \(physical.name)"
        guard let family = physical.computeQueueFamily else {
            throw ComputeError.noDevice("\(label): no queue family supports compute")
        }
        guard physical.extensions.contains("VK_KHR_push_descriptor") else {
            throw ComputeError.noDevice("\(label): the driver lacks VK_KHR_push_descriptor, which this backend needs")
        }
        queueFamily = family
        VulkanInstance.lifecycle.beginExclusive()
        defer { VulkanInstance.lifecycle.end() }
        var priority: Float = 1
        var device: VkDevice?
        let result: VkResult = withUnsafePointer(to: &priority) { priorityPtr in
            var queueInfo = VkDeviceQueueCreateInfo()
            queueInfo.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO
            queueInfo.queueFamilyIndex = family
            queueInfo.queueCount = 1
            queueInfo.pQueuePriorities = priorityPtr
            return withUnsafePointer(to: &queueInfo) { queuePtr in
                withCStrings(["VK_KHR_push_descriptor"] + extraExtensions) { names in
                    names.withUnsafeBufferPointer { namesPtr in
                        var info = VkDeviceCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO
                        info.queueCreateInfoCount = 1
                        info.pQueueCreateInfos = queuePtr
                        info.enabledExtensionCount = UInt32(names.count)
                        info.ppEnabledExtensionNames = namesPtr.baseAddress
                        guard !extraExtensions.isEmpty else {
                            return vkCreateDevice(physical.handle, &info, nil, &device)
                        }
                        var features = CooperativeMatrix.Features(enabled: true)
                        return features.chain { chain in
                            info.pNext = UnsafeRawPointer(chain)
                            return vkCreateDevice(physical.handle, &info, nil, &device)
                        }
                    }
                }
            }
        }
        try vkCheck(result, "vkCreateDevice", device: label)
        guard let device else { throw ComputeError.deviceFailure("\(label): vkCreateDevice returned no device") }
        self.device = device
        var queue: VkQueue?
        vkGetDeviceQueue(device, family, 0, &queue)
        guard let queue,
            let push = unsafeBitCast(
                vkGetDeviceProcAddr(device, "vkCmdPushDescriptorSetKHR"),
                to: PFN_vkCmdPushDescriptorSetKHR?.self)
        else {
            vkDestroyDevice(device, nil)
            throw ComputeError.deviceFailure("\(label): no compute queue or vkCmdPushDescriptorSetKHR")
        }
        self.queue = queue
        pushDescriptorSet = push
    }

    deinit {
        VulkanInstance.lifecycle.beginExclusive()
        defer { VulkanInstance.lifecycle.end() }
        vkDeviceWaitIdle(device)
        vkDestroyDevice(device, nil)
    }
}

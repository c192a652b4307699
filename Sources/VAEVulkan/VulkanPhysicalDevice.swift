import CVulkan
import VAECompute

/// What a physical device offers that the backend needs to know: identity, limits, memory and queues.
struct VulkanPhysicalDevice {
    let handle: VkPhysicalDevice
    /// Position in the driver's enumeration: what `vulkan:N` selects.
    let index: Int
    let name: String
    let kind: DeviceKind
    let apiVersion: UInt32
    let driverVersion: UInt32
    let subgroupSize: Int
    /// Whether compute shaders may use subgroup arithmetic (subgroupAdd): the reductions' faster variant.
    let subgroupArithmetic: Bool
    let limits: VkPhysicalDeviceLimits
    let memory: VkPhysicalDeviceMemoryProperties
    /// A queue family with compute support, if any.
    let computeQueueFamily: UInt32?
    /// How many low bits of a timestamp on the compute queue count (0: none; Intel's counters are 36 bits
    /// wide and wrap).
    let computeTimestampBits: UInt32
    let extensions: Set<String>
    /// The driver's own name and version text (VkPhysicalDeviceDriverProperties: "llvmpipe", "Mesa 25.0.7…"),
    /// which tells apart two drivers that give the device the same name; empty where the driver lacks them.
    let driverName: String, driverInfo: String
    /// The GPU's compute units (NVIDIA's SMs, AMD's CUs, Arm's shader cores) where the driver reports them
    /// (VK_NV_shader_sm_builtins, VK_AMD_shader_core_properties, VK_ARM_shader_core_builtins); Intel's and
    /// lavapipe's drivers do not.
    let computeUnits: Int?
    /// What a pipeline cache made by this device and driver is stamped with.
    let pipelineCacheIdentity: PipelineCacheFile.Identity
    /// The f16 → f32 cooperative-matrix shapes the device offers (empty: none; see `CooperativeMatrix`).
    let cooperativeMatrixShapes: [CooperativeMatrixShape]

    init(_ handle: VkPhysicalDevice, index: Int, instance: VkInstance) {
        self.handle = handle
        self.index = index
        var extensionCount: UInt32 = 0
        vkEnumerateDeviceExtensionProperties(handle, nil, &extensionCount, nil)
        var extensionList = [VkExtensionProperties](repeating: VkExtensionProperties(), count: Int(extensionCount))
        vkEnumerateDeviceExtensionProperties(handle, nil, &extensionCount, &extensionList)
        let available = Set(extensionList.map { cString($0.extensionName) })
        extensions = available
        cooperativeMatrixShapes = CooperativeMatrix.shapes(instance: instance, device: handle, extensions: available)

        /// The device's properties with `extra` chained behind them, `extra` filled in by the driver.
        func properties<Extra>(with extra: inout Extra) -> VkPhysicalDeviceProperties {
            var properties = VkPhysicalDeviceProperties2()
            properties.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2
            withUnsafeMutablePointer(to: &extra) {
                properties.pNext = UnsafeMutableRawPointer($0)
                vkGetPhysicalDeviceProperties2(handle, &properties)
            }
            return properties.properties
        }
        var subgroup = VkPhysicalDeviceSubgroupProperties()
        subgroup.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES
        let p = properties(with: &subgroup)
        // The vendors' core counts, asked for only where the extension is there (a driver may reject the
        // structure of an extension it lacks).
        var units: [Int] = []
        if available.contains("VK_NV_shader_sm_builtins") {
            var nvidia = VkPhysicalDeviceShaderSMBuiltinsPropertiesNV()
            nvidia.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_SM_BUILTINS_PROPERTIES_NV
            _ = properties(with: &nvidia)
            units.append(Int(nvidia.shaderSMCount))
        }
        if available.contains("VK_AMD_shader_core_properties") {
            var amd = VkPhysicalDeviceShaderCorePropertiesAMD()
            amd.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_PROPERTIES_AMD
            _ = properties(with: &amd)
            units.append(
                Int(amd.shaderEngineCount) * Int(amd.shaderArraysPerEngineCount) * Int(amd.computeUnitsPerShaderArray))
        }
        if available.contains("VK_ARM_shader_core_builtins") {
            var arm = VkPhysicalDeviceShaderCoreBuiltinsPropertiesARM()
            arm.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_CORE_BUILTINS_PROPERTIES_ARM
            _ = properties(with: &arm)
            units.append(Int(arm.shaderCoreCount))
        }
        computeUnits = units.first { $0 > 0 }
        if p.apiVersion >= (1 << 22 | 2 << 12) || available.contains("VK_KHR_driver_properties") {
            var driver = VkPhysicalDeviceDriverProperties()
            driver.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES
            _ = properties(with: &driver)
            driverName = cString(driver.driverName)
            driverInfo = cString(driver.driverInfo)
        } else {
            driverName = ""
            driverInfo = ""
        }
        name = cString(p.deviceName)
        switch p.deviceType {
        case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: kind = .discreteGPU
        case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: kind = .integratedGPU
        case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: kind = .virtualGPU
        case VK_PHYSICAL_DEVICE_TYPE_CPU: kind = .cpu
        default: kind = .other
        }
        apiVersion = p.apiVersion
        pipelineCacheIdentity = PipelineCacheFile.Identity(
            vendorID: p.vendorID, deviceID: p.deviceID, uuid: withUnsafeBytes(of: p.pipelineCacheUUID) { Array($0) })
        driverVersion = p.driverVersion
        subgroupSize = Int(max(subgroup.subgroupSize, 1))
        subgroupArithmetic =
            subgroup.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT.rawValue != 0
            && subgroup.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT.rawValue != 0
        limits = p.limits

        var memory = VkPhysicalDeviceMemoryProperties()
        vkGetPhysicalDeviceMemoryProperties(handle, &memory)
        self.memory = memory

        var familyCount: UInt32 = 0
        vkGetPhysicalDeviceQueueFamilyProperties(handle, &familyCount, nil)
        var families = [VkQueueFamilyProperties](repeating: VkQueueFamilyProperties(), count: Int(familyCount))
        vkGetPhysicalDeviceQueueFamilyProperties(handle, &familyCount, &families)
        // Prefer a compute queue without graphics (a dedicated compute engine), else any compute queue.
        let compute = VK_QUEUE_COMPUTE_BIT.rawValue, graphics = VK_QUEUE_GRAPHICS_BIT.rawValue
        let dedicated = families.indices.first {
            families[$0].queueFlags & compute != 0 && families[$0].queueFlags & graphics == 0
        }
        let any = families.indices.first { families[$0].queueFlags & compute != 0 }
        computeQueueFamily = (dedicated ?? any).map(UInt32.init)
        computeTimestampBits = computeQueueFamily.map { families[Int($0)].timestampValidBits } ?? 0
    }

    /// The memory types as (flags, heap size) pairs.
    var memoryTypes: [(flags: UInt32, heapIndex: Int, heapSize: UInt64)] {
        let count = Int(memory.memoryTypeCount)
        let types = withUnsafeBytes(of: memory.memoryTypes) {
            Array($0.bindMemory(to: VkMemoryType.self).prefix(count))
        }
        return types.map { ($0.propertyFlags, Int($0.heapIndex), heapSize(Int($0.heapIndex))) }
    }

    func heapSize(_ index: Int) -> UInt64 {
        withUnsafeBytes(of: memory.memoryHeaps) { $0.bindMemory(to: VkMemoryHeap.self)[index].size }
    }

    /// The most invocations a one-dimensional workgroup may have here: the device's limits, as a power of two.
    var largestWorkgroup: Int {
        let limit = Int(min(limits.maxComputeWorkGroupInvocations, limits.maxComputeWorkGroupSize.0))
        var size = 1
        while size * 2 <= limit { size *= 2 }
        return size
    }

    /// The largest device-local heap, in bytes.
    var deviceLocalBytes: UInt64 {
        let count = Int(memory.memoryHeapCount)
        let heaps = withUnsafeBytes(of: memory.memoryHeaps) {
            Array($0.bindMemory(to: VkMemoryHeap.self).prefix(count))
        }
        return heaps.filter { $0.flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT.rawValue != 0 }.map(\.size).max() ?? 0
    }

    var info: DeviceInfo {
        func version(_ v: UInt32) -> String { "\(v >> 22).\((v >> 12) & 0x3FF).\(v & 0xFFF)" }
        var info = DeviceInfo(
            backend: "vulkan", name: name, kind: kind, memoryBytes: deviceLocalBytes, subgroupSize: subgroupSize,
            details: [
                "index": String(index),
                "api": version(apiVersion),
                "maxStorageBufferRange": String(limits.maxStorageBufferRange),
                "maxComputeSharedMemorySize": String(limits.maxComputeSharedMemorySize),
                "pushDescriptors": extensions.contains("VK_KHR_push_descriptor") ? "yes" : "no",
                "subgroupArithmetic": subgroupArithmetic ? "yes" : "no",
                "maxComputeWorkGroupInvocations": String(limits.maxComputeWorkGroupInvocations),
                "computeUnits": computeUnits.map(String.init) ?? "unknown",
                "driver": driverName.isEmpty ? "unknown" : "\(driverName) \(driverInfo)",
                "cooperativeMatrix": cooperativeMatrixShapes.isEmpty
                    ? "none" : cooperativeMatrixShapes.map(\.description).joined(separator: ","),
            ])
        info.maxTensorBytes = Int(limits.maxStorageBufferRange)
        return info
    }
}

import CVulkan
import VAECompute
import VAEKernels

/// Compute pipelines, created once per (shader, specialization constants) and kept for the device's life.
///
/// Every shader binds storage buffers 0..<n in set 0 through push descriptors (no pools to manage) and
/// takes up to 128 bytes of push constants (the minimum every device guarantees). Specialization
/// constant i is the i-th 32-bit word of the key's constants.
final class VulkanPipelines: @unchecked Sendable {
    struct Key: Hashable {
        let shader: String
        let constants: [UInt32]
    }

    struct Pipeline {
        let pipeline: VkPipeline
        let layout: VkPipelineLayout
    }

    let context: VulkanContext
    static let pushConstantBytes: UInt32 = 128
    private var modules: [String: VkShaderModule] = [:]
    private var layouts: [Int: (set: VkDescriptorSetLayout, pipeline: VkPipelineLayout)] = [:]
    private var pipelines: [Key: Pipeline] = [:]
    /// The driver's cache of compiled pipelines, loaded from and saved to `cacheFile` when there is one.
    private var cache: VkPipelineCache?
    private let cacheFile: PipelineCacheFile?
    /// Pipelines created since the device was opened.
    private(set) var created = 0
    /// Bytes of cache data the file held and this device accepted (0: none).
    private(set) var loadedBytes = 0

    /// `cacheDirectory`: where compiled pipelines are kept between runs (nil: nowhere).
    init(context: VulkanContext, cacheDirectory: String? = nil) {
        self.context = context
        cacheFile = cacheDirectory.map {
            PipelineCacheFile(directory: $0, identity: context.physical.pipelineCacheIdentity)
        }
        let initial = cacheFile?.load() ?? []
        var info = VkPipelineCacheCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO
        var made: VkPipelineCache?
        let result = initial.withUnsafeBytes { bytes in
            info.initialDataSize = bytes.count
            info.pInitialData = bytes.baseAddress
            return vkCreatePipelineCache(context.device, &info, nil, &made)
        }
        if result == VK_SUCCESS {
            cache = made
            loadedBytes = initial.count
        }
    }

    /// Writes the cache file when the driver's cache grew since it was loaded (pipelines it had not seen).
    func saveCache() {
        guard let cache, let cacheFile, created > 0 else { return }
        var size = 0
        guard vkGetPipelineCacheData(context.device, cache, &size, nil) == VK_SUCCESS, size > 0,
            size != loadedBytes, size <= PipelineCacheFile.maxBytes
        else { return }
        var data = [UInt8](repeating: 0, count: size)
        guard
            data.withUnsafeMutableBytes({ vkGetPipelineCacheData(context.device, cache, &size, $0.baseAddress) })
                == VK_SUCCESS
        else { return }
        cacheFile.save(Array(data.prefix(size)))
        loadedBytes = size
    }

    deinit {
        VulkanInstance.lifecycle.beginShared()
        defer { VulkanInstance.lifecycle.end() }
        saveCache()
        let device = context.device
        if let cache { vkDestroyPipelineCache(device, cache, nil) }
        for p in pipelines.values { vkDestroyPipeline(device, p.pipeline, nil) }
        for l in layouts.values {
            vkDestroyPipelineLayout(device, l.pipeline, nil)
            vkDestroyDescriptorSetLayout(device, l.set, nil)
        }
        for m in modules.values { vkDestroyShaderModule(device, m, nil) }
    }

    func pipeline(_ key: Key, bindings: Int) throws -> Pipeline {
        if let p = pipelines[key] { return p }
        let module = try shaderModule(key.shader)
        let layout = try pipelineLayout(bindings: bindings)
        var entries = key.constants.indices.map { i in
            VkSpecializationMapEntry(constantID: UInt32(i), offset: UInt32(i * 4), size: 4)
        }
        var data = key.constants
        var pipeline: VkPipeline?
        let result: VkResult = entries.withUnsafeMutableBufferPointer { entriesPtr in
            data.withUnsafeMutableBytes { dataPtr in
                var specialization = VkSpecializationInfo(
                    mapEntryCount: UInt32(entriesPtr.count), pMapEntries: entriesPtr.baseAddress,
                    dataSize: dataPtr.count, pData: dataPtr.baseAddress)
                return withUnsafePointer(to: &specialization) { specPtr in
                    "main".withCString { entry in
                        var stage = VkPipelineShaderStageCreateInfo()
                        stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO
                        stage.stage = VK_SHADER_STAGE_COMPUTE_BIT
                        stage.module = module
                        stage.pName = entry
                        stage.pSpecializationInfo = specPtr
                        var info = VkComputePipelineCreateInfo()
                        info.sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO
                        info.stage = stage
                        info.layout = layout.pipeline
                        return vkCreateComputePipelines(context.device, cache, 1, &info, nil, &pipeline)
                    }
                }
            }
        }
        try vkCheck(result, "vkCreateComputePipelines(\(key.shader))", device: context.label)
        let made = Pipeline(pipeline: pipeline!, layout: layout.pipeline)
        pipelines[key] = made
        created += 1
        return made
    }

    private func shaderModule(_ name: String) throws -> VkShaderModule {
        if let m = modules[name] { return m }
        guard let words = ShaderLibrary.spirv(name) else {
            throw ComputeError.deviceFailure(
                "no embedded SPIR-V for shader '\(name)' (was Shaders/\(name).comp built?)")
        }
        var module: VkShaderModule?
        let result: VkResult = words.withUnsafeBufferPointer { code in
            var info = VkShaderModuleCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO
            info.codeSize = code.count * 4
            info.pCode = code.baseAddress
            return vkCreateShaderModule(context.device, &info, nil, &module)
        }
        try vkCheck(result, "vkCreateShaderModule(\(name))", device: context.label)
        modules[name] = module!
        return module!
    }

    private func pipelineLayout(bindings: Int) throws -> (set: VkDescriptorSetLayout, pipeline: VkPipelineLayout) {
        if let l = layouts[bindings] { return l }
        var bindingInfo = (0..<bindings).map { i in
            VkDescriptorSetLayoutBinding(
                binding: UInt32(i), descriptorType: VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                descriptorCount: 1, stageFlags: VK_SHADER_STAGE_COMPUTE_BIT.rawValue,
                pImmutableSamplers: nil)
        }
        var setLayout: VkDescriptorSetLayout?
        let r1: VkResult = bindingInfo.withUnsafeMutableBufferPointer { b in
            var info = VkDescriptorSetLayoutCreateInfo()
            info.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO
            info.flags = VK_DESCRIPTOR_SET_LAYOUT_CREATE_PUSH_DESCRIPTOR_BIT_KHR.rawValue
            info.bindingCount = UInt32(b.count)
            info.pBindings = UnsafePointer(b.baseAddress)
            return vkCreateDescriptorSetLayout(context.device, &info, nil, &setLayout)
        }
        try vkCheck(r1, "vkCreateDescriptorSetLayout", device: context.label)
        var range = VkPushConstantRange(
            stageFlags: VK_SHADER_STAGE_COMPUTE_BIT.rawValue, offset: 0, size: Self.pushConstantBytes)
        var pipelineLayout: VkPipelineLayout?
        let r2: VkResult = withUnsafePointer(to: &setLayout) { setPtr in
            withUnsafePointer(to: &range) { rangePtr in
                var info = VkPipelineLayoutCreateInfo()
                info.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO
                info.setLayoutCount = 1
                info.pSetLayouts = setPtr
                info.pushConstantRangeCount = 1
                info.pPushConstantRanges = rangePtr
                return vkCreatePipelineLayout(context.device, &info, nil, &pipelineLayout)
            }
        }
        try vkCheck(r2, "vkCreatePipelineLayout", device: context.label)
        let l = (setLayout!, pipelineLayout!)
        layouts[bindings] = l
        return l
    }
}

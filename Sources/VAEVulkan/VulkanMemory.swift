import CVulkan
import VAECompute

/// Sub-allocates tensor memory from large `VkDeviceMemory` blocks, one `VkBuffer` per tensor bound at
/// its offset. Drivers cap the number of allocations (often 4096), and one allocation per tensor is slow.
///
/// Memory type: DEVICE_LOCAL|HOST_VISIBLE|HOST_COHERENT when the device has it with a large heap (UMA,
/// resizable BAR, lavapipe), so uploads and reads are plain memcpy; otherwise DEVICE_LOCAL, with
/// transfers through staging buffers (see `VulkanDevice`).
final class VulkanMemory: @unchecked Sendable {
    let context: VulkanContext
    /// The memory type tensors live in.
    let deviceTypeIndex: UInt32
    /// Whether tensor memory is mapped (no staging needed).
    let tensorsAreHostVisible: Bool
    /// Reused host-visible buffers for transfers to and from device-only memory.
    let staging: StagingPool
    let blockSize: Int
    /// The tensor heap's size, or less when the device was opened with a lower memory size.
    let heapLimit: UInt64
    /// The largest tensor: maxStorageBufferRange, or less when the device was opened with a lower limit.
    let maxTensorBytes: Int
    private(set) var allocatedBytes = 0
    private var blocks: [Block] = []

    final class Block {
        let memory: VkDeviceMemory
        let size: Int
        let mapped: UnsafeMutableRawPointer?
        /// Free ranges (offset, length), sorted by offset, coalesced.
        var free: [(offset: Int, length: Int)]
        init(memory: VkDeviceMemory, size: Int, mapped: UnsafeMutableRawPointer?) {
            self.memory = memory; self.size = size; self.mapped = mapped
            free = [(0, size)]
        }
    }

    init(context: VulkanContext, forceStaging: Bool, maxTensorBytes: Int? = nil, memoryBytes: Int? = nil) throws {
        self.maxTensorBytes = min(Int(context.physical.limits.maxStorageBufferRange), maxTensorBytes ?? .max)
        self.context = context
        let types = context.physical.memoryTypes
        let local = VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT.rawValue
        let hostVisible = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT.rawValue | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT.rawValue
        func first(_ flags: UInt32, minHeap: UInt64 = 0) -> Int? {
            types.indices.first { types[$0].flags & flags == flags && types[$0].heapSize >= minHeap }
        }
        // A small HOST_VISIBLE device-local heap (a 256 MiB BAR window) is not where tensors should go.
        let mappedLocal = forceStaging ? nil : first(local | hostVisible, minHeap: 1 << 30)
        guard let deviceType = mappedLocal ?? first(local) ?? first(hostVisible),
            let stagingType = first(hostVisible)
        else {
            throw ComputeError.noDevice("\(context.label): no usable memory type")
        }
        deviceTypeIndex = UInt32(deviceType)
        // Reads are copied out by the CPU: cached memory makes that a memcpy at full speed (uncached memory
        // is read a word at a time across the bus).
        let cached = VK_MEMORY_PROPERTY_HOST_CACHED_BIT.rawValue
        staging = StagingPool(
            context: context, uploadType: UInt32(stagingType),
            readbackType: UInt32(first(hostVisible | cached) ?? stagingType))
        tensorsAreHostVisible = types[deviceType].flags & hostVisible == hostVisible && !forceStaging
        heapLimit = min(types[deviceType].heapSize, UInt64(clamping: memoryBytes ?? .max))
        blockSize = 64 << 20
    }

    deinit {
        VulkanInstance.lifecycle.beginShared()
        defer { VulkanInstance.lifecycle.end() }
        for block in blocks {
            if block.mapped != nil { vkUnmapMemory(context.device, block.memory) }
            vkFreeMemory(context.device, block.memory, nil)
        }
    }

    /// Buffers of `byteCounts` inside one buffer of tensor memory (the parts of a `TensorGroup`), each bound
    /// at an offset that meets its memory requirements and the device's storage-buffer offset alignment;
    /// returns the whole, the parts, and each part's offset in the whole in bytes.
    func allocateGroup(
        byteCounts: [Int], elementSize: Int
    ) throws -> (whole: VulkanBuffer, parts: [VulkanBuffer], byteOffsets: [Int]) {
        let device = context.device
        var partBuffers: [VkBuffer] = []
        var bound = false
        defer { if !bound { for b in partBuffers { vkDestroyBuffer(device, b, nil) } } }
        var reserved: [Int] = [], alignment: [Int] = []
        let offsetAlignment = max(Int(context.physical.limits.minStorageBufferOffsetAlignment), 16)
        for bytes in byteCounts {
            guard bytes <= maxTensorBytes else {
                throw ComputeError.bufferTooLarge(device: context.label, requestedBytes: bytes, limit: maxTensorBytes)
            }
            let buffer = try makeBuffer(bytes: (max(bytes, 4) + 15) / 16 * 16)
            partBuffers.append(buffer)
            var requirements = VkMemoryRequirements()
            vkGetBufferMemoryRequirements(device, buffer, &requirements)
            // Whole elements: the layout counts in them (every alignment here is a power of two ≥ 16).
            reserved.append((Int(requirements.size) + elementSize - 1) / elementSize)
            alignment.append(max(Int(requirements.alignment), offsetAlignment) / elementSize)
        }
        let layout = try TensorGroupLayout(reserved: reserved, alignment: alignment)
        let whole = try allocate(
            bytes: try CheckedSize.multiply(layout.count, elementSize, "a tensor group's bytes"),
            alignment: (alignment.max() ?? 1) * elementSize)
        let offsets = layout.offsets.map { whole.offset + $0 * elementSize }
        for (buffer, offset) in zip(partBuffers, offsets) {
            try vkCheck(
                vkBindBufferMemory(device, buffer, whole.block.memory, VkDeviceSize(offset)), "vkBindBufferMemory",
                device: context.label)
        }
        bound = true  // from here each VkBuffer belongs to its VulkanBuffer
        let parts = partBuffers.indices.map { i in
            VulkanBuffer(
                memory: self, buffer: partBuffers[i], block: whole.block, offset: offsets[i],
                size: reserved[i] * elementSize, byteCount: byteCounts[i], owner: whole)
        }
        return (whole, parts, layout.offsets.map { $0 * elementSize })
    }

    /// A buffer of `bytes` in tensor memory, its start a multiple of `alignment` bytes (at least 256).
    func allocate(bytes requested: Int, alignment wanted: Int = 256) throws -> VulkanBuffer {
        let bytes = max(requested, 4)
        let limit = maxTensorBytes
        if bytes > limit {
            throw ComputeError.bufferTooLarge(device: context.label, requestedBytes: bytes, limit: limit)
        }
        if UInt64(allocatedBytes + bytes) > heapLimit {
            throw ComputeError.outOfMemory(device: context.label, requestedBytes: bytes)
        }
        // The buffer is a whole number of vec4s, so a shader that loads 16 bytes at a time stays inside it
        // (out-of-bounds reads are undefined without robustBufferAccess); the slack check still starts at
        // the tensor's own end.
        let buffer = try makeBuffer(bytes: min((bytes + 15) / 16 * 16, limit))
        var requirements = VkMemoryRequirements()
        vkGetBufferMemoryRequirements(context.device, buffer, &requirements)
        let size = Int(requirements.size), alignment = max(Int(requirements.alignment), wanted, 256)
        do {
            let (block, offset) = try place(size: size, alignment: alignment)
            try vkCheck(
                vkBindBufferMemory(context.device, buffer, block.memory, VkDeviceSize(offset)), "vkBindBufferMemory",
                device: context.label)
            allocatedBytes += size
            let made = VulkanBuffer(
                memory: self, buffer: buffer, block: block, offset: offset, size: size, byteCount: bytes)
            // Mark the slack after the tensor's bytes so tests can detect writes past its end.
            if let mapped = made.mapped {
                (mapped + bytes).initializeMemory(
                    as: UInt8.self, repeating: VulkanBuffer.slackPattern, count: size - bytes)
            }
            return made
        } catch {
            vkDestroyBuffer(context.device, buffer, nil)
            throw error
        }
    }

    /// Returns a buffer's range to its block (called once the GPU no longer uses it).
    func release(block: Block, offset: Int, size: Int) {
        allocatedBytes -= size
        block.free.append((offset, size))
        block.free.sort { $0.offset < $1.offset }
        var merged: [(offset: Int, length: Int)] = []
        for range in block.free {
            if let last = merged.last, last.offset + last.length == range.offset {
                merged[merged.count - 1].length += range.length
            } else {
                merged.append(range)
            }
        }
        block.free = merged
    }

    private func place(size: Int, alignment: Int) throws -> (Block, Int) {
        for block in blocks {
            for (i, range) in block.free.enumerated() {
                let start = (range.offset + alignment - 1) / alignment * alignment
                let end = range.offset + range.length
                guard start + size <= end else { continue }
                var pieces: [(offset: Int, length: Int)] = []
                if start > range.offset { pieces.append((range.offset, start - range.offset)) }
                if start + size < end { pieces.append((start + size, end - start - size)) }
                block.free.replaceSubrange(i...i, with: pieces)
                return (block, start)
            }
        }
        let block = try makeBlock(size: max(blockSize, (size + alignment - 1) / alignment * alignment))
        blocks.append(block)
        return try place(size: size, alignment: alignment)
    }

    private func makeBlock(size: Int) throws -> Block {
        var info = VkMemoryAllocateInfo()
        info.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        info.allocationSize = VkDeviceSize(size)
        info.memoryTypeIndex = deviceTypeIndex
        var memory: VkDeviceMemory?
        try vkCheck(
            vkAllocateMemory(context.device, &info, nil, &memory), "vkAllocateMemory", device: context.label,
            bytes: size)
        guard let memory else { throw ComputeError.outOfMemory(device: context.label, requestedBytes: size) }
        var mapped: UnsafeMutableRawPointer?
        if tensorsAreHostVisible {
            try vkCheck(
                vkMapMemory(context.device, memory, 0, VkDeviceSize(size), 0, &mapped), "vkMapMemory",
                device: context.label)
        }
        return Block(memory: memory, size: size, mapped: mapped)
    }

    func makeBuffer(bytes: Int) throws -> VkBuffer {
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(bytes)
        info.usage =
            VK_BUFFER_USAGE_STORAGE_BUFFER_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue
            | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var buffer: VkBuffer?
        try vkCheck(
            vkCreateBuffer(context.device, &info, nil, &buffer), "vkCreateBuffer", device: context.label, bytes: bytes)
        return buffer!
    }
}

/// One tensor's buffer: a `VkBuffer` over a range of a memory block. Released when the last reference
/// goes, and command batches hold references until their fence signals, so the GPU never sees a freed
/// buffer.
///
/// A part of a tensor group (`TensorGroup`) is a `VkBuffer` of its own bound inside the group's memory
/// (aliasing it): it binds at offset 0 like any tensor, while its use is tracked as a use of the whole
/// group's buffer (`owner`), since launches on the whole touch the part.
final class VulkanBuffer: @unchecked Sendable {
    let memory: VulkanMemory
    let buffer: VkBuffer
    let block: VulkanMemory.Block
    /// Where the buffer starts in `block`.
    let offset: Int
    let size: Int
    /// The bytes the tensor asked for (`size` may be larger).
    let byteCount: Int
    /// For a part of a group: the group's buffer, which owns the memory and stands for the part in hazard
    /// tracking (kept alive by this reference).
    let owner: VulkanBuffer?
    private var ownLastUse: UInt64 = 0, ownLastWrite: UInt64 = 0
    /// The serial of the last batch that holds a reference to this very object (a part's `lastUse` is its
    /// group's, so it cannot say whether the part itself is held).
    var retainedBy: UInt64 = 0

    init(
        memory: VulkanMemory, buffer: VkBuffer, block: VulkanMemory.Block, offset: Int, size: Int, byteCount: Int,
        owner: VulkanBuffer? = nil
    ) {
        self.memory = memory; self.buffer = buffer; self.block = block
        self.offset = offset; self.size = size; self.byteCount = byteCount; self.owner = owner
    }

    /// The serial of the last command batch that used this buffer (see `VulkanCommandStream`); a part's is
    /// its group's.
    var lastUse: UInt64 {
        get { owner?.lastUse ?? ownLastUse }
        set { if let owner { owner.lastUse = newValue } else { ownLastUse = newValue } }
    }
    /// The serial of the last batch that wrote it; a part's is its group's.
    var lastWrite: UInt64 {
        get { owner?.lastWrite ?? ownLastWrite }
        set { if let owner { owner.lastWrite = newValue } else { ownLastWrite = newValue } }
    }

    static let slackPattern: UInt8 = 0xA5

    /// Whether the bytes between the tensor's end and its allocation's end still hold the pattern written at
    /// allocation (true when memory is not mapped, where it cannot be checked, and for a part of a group,
    /// whose padding belongs to the group).
    var slackIntact: Bool {
        guard let mapped, owner == nil else { return true }
        return UnsafeRawBufferPointer(start: mapped + byteCount, count: size - byteCount).allSatisfy {
            $0 == Self.slackPattern
        }
    }

    /// The mapped bytes, when tensor memory is host-visible.
    var mapped: UnsafeMutableRawPointer? { block.mapped.map { $0 + offset } }

    deinit {
        VulkanInstance.lifecycle.beginShared()
        defer { VulkanInstance.lifecycle.end() }
        vkDestroyBuffer(memory.context.device, buffer, nil)
        if owner == nil { memory.release(block: block, offset: offset, size: size) }
    }
}

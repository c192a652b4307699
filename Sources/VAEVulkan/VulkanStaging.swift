import CVulkan
import Foundation
import VAECompute

/// Host-visible buffers for transfers to and from device-only memory, kept for reuse. A step that streams a
/// minibatch or reads a loss through staging would otherwise allocate and free device memory each time
/// (vkAllocateMemory is slow on real drivers and their allocation count is capped). Buffers come in
/// power-of-two sizes from 64 KiB; up to 64 MiB of free ones are kept. Uploads use coherent memory,
/// read-backs coherent cached memory where the device has it.
final class StagingPool: @unchecked Sendable {
    struct Slab {
        let buffer: VkBuffer
        let memory: VkDeviceMemory
        let mapped: UnsafeMutableRawPointer
        let capacity: Int
        let forReading: Bool
    }

    static let smallest = 64 << 10
    static let keptBytes = 64 << 20

    let context: VulkanContext
    let uploadType: UInt32, readbackType: UInt32
    private let lock = NSLock()
    private var free: [Slab] = []
    private var freeBytes = 0
    /// Staging buffers allocated so far (reuses do not count).
    private(set) var made = 0

    init(context: VulkanContext, uploadType: UInt32, readbackType: UInt32) {
        self.context = context; self.uploadType = uploadType; self.readbackType = readbackType
    }

    deinit {
        for slab in free { destroy(slab) }
    }

    /// A buffer of at least `bytes`, for an upload or (`forReading`) a read-back.
    func take(bytes: Int, forReading: Bool) throws -> StagingBuffer {
        var capacity = Self.smallest
        while capacity < bytes { capacity *= 2 }
        let reused: Slab? = lock.withLock {
            guard let i = free.firstIndex(where: { $0.capacity == capacity && $0.forReading == forReading }) else {
                return nil
            }
            freeBytes -= capacity
            return free.remove(at: i)
        }
        return StagingBuffer(slab: try reused ?? make(capacity: capacity, forReading: forReading), pool: self)
    }

    /// Takes back a buffer no longer in use (its last user, a finished batch or a transfer, let it go).
    func give(_ slab: Slab) {
        let kept = lock.withLock {
            guard freeBytes + slab.capacity <= Self.keptBytes else { return false }
            free.append(slab)
            freeBytes += slab.capacity
            return true
        }
        if !kept { destroy(slab) }
    }

    private func make(capacity: Int, forReading: Bool) throws -> Slab {
        var info = VkBufferCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO
        info.size = VkDeviceSize(capacity)
        info.usage = VK_BUFFER_USAGE_TRANSFER_SRC_BIT.rawValue | VK_BUFFER_USAGE_TRANSFER_DST_BIT.rawValue
        info.sharingMode = VK_SHARING_MODE_EXCLUSIVE
        var created: VkBuffer?
        try vkCheck(
            vkCreateBuffer(context.device, &info, nil, &created), "vkCreateBuffer (staging)", device: context.label,
            bytes: capacity)
        let buffer = created!
        var requirements = VkMemoryRequirements()
        vkGetBufferMemoryRequirements(context.device, buffer, &requirements)
        var allocation = VkMemoryAllocateInfo()
        allocation.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO
        allocation.allocationSize = requirements.size
        allocation.memoryTypeIndex = forReading ? readbackType : uploadType
        var memory: VkDeviceMemory?
        var mapped: UnsafeMutableRawPointer?
        do {
            try vkCheck(
                vkAllocateMemory(context.device, &allocation, nil, &memory), "vkAllocateMemory (staging)",
                device: context.label, bytes: capacity)
            try vkCheck(
                vkBindBufferMemory(context.device, buffer, memory, 0), "vkBindBufferMemory (staging)",
                device: context.label)
            try vkCheck(
                vkMapMemory(context.device, memory, 0, requirements.size, 0, &mapped), "vkMapMemory (staging)",
                device: context.label)
        } catch {
            vkDestroyBuffer(context.device, buffer, nil)
            if let memory { vkFreeMemory(context.device, memory, nil) }
            throw error
        }
        lock.withLock { made += 1 }
        return Slab(buffer: buffer, memory: memory!, mapped: mapped!, capacity: capacity, forReading: forReading)
    }

    private func destroy(_ slab: Slab) {
        VulkanInstance.lifecycle.beginShared()
        defer { VulkanInstance.lifecycle.end() }
        vkDestroyBuffer(context.device, slab.buffer, nil)
        vkFreeMemory(context.device, slab.memory, nil)
    }
}

/// A staging buffer in use: a transfer holds it, and the batch that copies through it keeps it until its
/// fence signals; then it goes back to its pool.
final class StagingBuffer: @unchecked Sendable {
    let slab: StagingPool.Slab
    let pool: StagingPool
    var buffer: VkBuffer { slab.buffer }
    var mapped: UnsafeMutableRawPointer { slab.mapped }

    init(slab: StagingPool.Slab, pool: StagingPool) { self.slab = slab; self.pool = pool }

    deinit { pool.give(slab) }
}

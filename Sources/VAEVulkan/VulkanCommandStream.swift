import CVulkan
import VAECompute

/// Records launches into command buffers, inserts barriers only where launches depend on each other,
/// and submits whole batches with one fence each.
///
/// Hazard tracking: the stream remembers which buffers were read and written since the last barrier. A
/// launch that reads something written since then (read-after-write), or writes something read or written
/// since then (write-after-read, write-after-write), gets one global memory barrier first; independent
/// launches share none. The sets survive submission, because a barrier's first scope covers all earlier
/// work on the queue, including earlier submissions.
///
/// Lifetimes: a batch keeps every buffer (and staging buffer) it uses alive until its fence signals.
final class VulkanCommandStream: @unchecked Sendable {
    final class Batch {
        let commandBuffer: VkCommandBuffer
        let fence: VkFence
        let queryPool: VkQueryPool?
        var serial: UInt64 = 0
        var retained: [AnyObject] = []
        var timestampNames: [String] = []
        /// What the batch runs, for a hung or lost device's error message.
        var launches = 0
        var firstLaunch = "", lastLaunch = ""
        /// A recorded program (`beginProgram`): replayed, never submitted by itself; its buffers' use is
        /// noted when it runs.
        var isProgram = false
        var barriers = 0
        var written: [VulkanBuffer] = []
        init(commandBuffer: VkCommandBuffer, fence: VkFence, queryPool: VkQueryPool?) {
            self.commandBuffer = commandBuffer; self.fence = fence; self.queryPool = queryPool
        }
    }

    let context: VulkanContext
    let profiling: Bool
    static let timestampCapacity: UInt32 = 4096
    /// How long a wait for the device may take before it is reported as hung (a fence wait never returns
    /// on a hung GPU otherwise).
    var fenceTimeoutSeconds: Double
    private let pool: VkCommandPool
    private var recording: Batch?
    /// The program being recorded, if any: launches go there instead of to `recording`.
    private var program: Batch?
    private var savedHazards: (read: HazardSet, written: HazardSet)?
    private var inFlight: [Batch] = []
    private var idle: [Batch] = []
    private var allBatches: [Batch] = []
    private var nextSerial: UInt64 = 1
    /// Every batch with a serial at or below this has finished on the device.
    private(set) var completedSerial: UInt64 = 0
    private var readSinceBarrier = HazardSet()
    private var writtenSinceBarrier = HazardSet()
    var counters = DeviceCounters()
    /// (kernel name, nanoseconds) of finished launches, when profiling.
    private(set) var profile: [(name: String, nanoseconds: Double)] = []

    init(context: VulkanContext, profiling: Bool, fenceTimeoutSeconds: Double) throws {
        self.context = context
        self.fenceTimeoutSeconds = fenceTimeoutSeconds
        self.profiling = profiling && context.physical.computeTimestampBits > 0
        var info = VkCommandPoolCreateInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO
        info.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT.rawValue
        info.queueFamilyIndex = context.queueFamily
        var pool: VkCommandPool?
        try vkCheck(
            vkCreateCommandPool(context.device, &info, nil, &pool), "vkCreateCommandPool", device: context.label)
        self.pool = pool!
    }

    deinit {
        VulkanInstance.lifecycle.beginShared()
        defer { VulkanInstance.lifecycle.end() }
        // Nothing may be destroyed while the device still runs it.
        for batch in inFlight {
            var f: VkFence? = batch.fence; vkWaitForFences(context.device, 1, &f, VkBool32(VK_TRUE), UInt64.max)
        }
        for batch in allBatches {
            vkDestroyFence(context.device, batch.fence, nil)
            if let q = batch.queryPool { vkDestroyQueryPool(context.device, q, nil) }
        }
        vkDestroyCommandPool(context.device, pool, nil)
    }

    /// The serial of the batch being recorded (starting one if needed).
    var recordingSerial: UInt64 { get throws { try current().serial } }

    // MARK: Recording

    /// Records a compute dispatch. `buffers` are bound to bindings 0..<n in order.
    func dispatch(
        _ pipeline: VulkanPipelines.Pipeline, buffers: [VulkanBuffer], reads: [VulkanBuffer], writes: [VulkanBuffer],
        pushConstants: [UInt32], groups: (UInt32, UInt32, UInt32), name: String
    ) throws {
        let batch = try current()
        let cb = batch.commandBuffer
        orderAfterHazards(reads: reads.map(\.hazardRegion), writes: writes.map(\.hazardRegion), cb: cb)
        vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.pipeline)
        var infos = buffers.map {
            VkDescriptorBufferInfo(buffer: $0.buffer, offset: 0, range: VkDeviceSize(VK_WHOLE_SIZE))
        }
        infos.withUnsafeMutableBufferPointer { infoPtr in
            var writes = (0..<infoPtr.count).map { i -> VkWriteDescriptorSet in
                var w = VkWriteDescriptorSet()
                w.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET
                w.dstBinding = UInt32(i)
                w.descriptorCount = 1
                w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER
                w.pBufferInfo = UnsafePointer(infoPtr.baseAddress! + i)
                return w
            }
            context.pushDescriptorSet(
                cb, VK_PIPELINE_BIND_POINT_COMPUTE, pipeline.layout, 0, UInt32(writes.count), &writes)
        }
        if !pushConstants.isEmpty {
            pushConstants.withUnsafeBytes { bytes in
                vkCmdPushConstants(
                    cb, pipeline.layout, VK_SHADER_STAGE_COMPUTE_BIT.rawValue, 0, UInt32(bytes.count), bytes.baseAddress
                )
            }
        }
        vkCmdDispatch(cb, groups.0, groups.1, groups.2)
        if batch.launches == 0 { batch.firstLaunch = name }
        batch.launches += 1
        batch.lastLaunch = name
        note(buffers, batch)
        timestamp(batch, name)
        if !batch.isProgram { counters.launches += 1 }
    }

    /// Records a buffer-to-buffer copy (`src` is read, `dst` written), for staging transfers.
    func copy(
        from src: VkBuffer, srcOffset: Int = 0, to dst: VkBuffer, dstOffset: Int = 0, bytes: Int,
        read: MemoryRegion, written: MemoryRegion, retain: [AnyObject]
    ) throws {
        let batch = try current()
        orderAfterHazards(reads: [read], writes: [written], cb: batch.commandBuffer)
        var region = VkBufferCopy(
            srcOffset: VkDeviceSize(srcOffset), dstOffset: VkDeviceSize(dstOffset), size: VkDeviceSize(bytes))
        vkCmdCopyBuffer(batch.commandBuffer, src, dst, 1, &region)
        batch.retained.append(contentsOf: retain)
        for case let b as VulkanBuffer in retain {
            b.lastUse = batch.serial
            if b.hazardRegion == written { b.lastWrite = batch.serial }
        }
    }

    // MARK: Programs (recorded once, replayed)

    /// Whether launches are being recorded into a program.
    var isRecordingProgram: Bool { program != nil }

    /// Starts recording launches into a program instead of the stream. The program's command buffer begins
    /// with a global barrier, so each run of it is ordered after everything submitted before, the previous
    /// run of itself included.
    func beginProgram() throws {
        precondition(program == nil, "programs do not nest")
        let batch = try makeBatch(register: false, withTimestamps: false)
        var begin = VkCommandBufferBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        // Pending several times at once: a submission repeats it.
        begin.flags = VK_COMMAND_BUFFER_USAGE_SIMULTANEOUS_USE_BIT.rawValue
        try vkCheck(vkBeginCommandBuffer(batch.commandBuffer, &begin), "vkBeginCommandBuffer", device: context.label)
        batch.isProgram = true
        Self.globalBarrier(batch.commandBuffer)
        batch.barriers = 1
        savedHazards = (readSinceBarrier, writtenSinceBarrier)
        readSinceBarrier.removeAll()
        writtenSinceBarrier.removeAll()
        program = batch
    }

    /// Ends the program being recorded.
    func endProgram() throws -> VulkanProgram {
        guard let batch = program else { preconditionFailure("no program is being recorded") }
        program = nil
        if let saved = savedHazards { (readSinceBarrier, writtenSinceBarrier) = saved }
        savedHazards = nil
        try vkCheck(vkEndCommandBuffer(batch.commandBuffer), "vkEndCommandBuffer", device: context.label)
        return VulkanProgram(batch: batch, stream: self)
    }

    /// Abandons the program being recorded (its body failed).
    func abandonProgram() {
        guard let batch = program else { return }
        program = nil
        if let saved = savedHazards { (readSinceBarrier, writtenSinceBarrier) = saved }
        savedHazards = nil
        vkEndCommandBuffer(batch.commandBuffer)
        release(batch)
    }

    /// Runs `program` `times` times in a row: what was recorded before is submitted first, then one
    /// submission holds the program's command buffer `times` over, followed by an empty batch whose fence
    /// tells when they are done and which keeps the program and its buffers alive until then.
    func run(_ program: VulkanProgram, times: Int) throws {
        guard times > 0 else { return }
        try flush()
        let batch = try current()
        batch.retained.append(program)
        batch.launches = program.batch.launches * times
        batch.firstLaunch = program.batch.firstLaunch
        batch.lastLaunch = program.batch.lastLaunch
        for case let b as VulkanBuffer in program.batch.retained { b.lastUse = batch.serial }
        for b in program.batch.written { b.lastWrite = batch.serial }
        // What comes after is ordered after the program's reads and writes.
        readSinceBarrier.formUnion(
            program.batch.retained.map { ($0 as? VulkanBuffer)?.hazardRegion ?? MemoryRegion(whole: $0) })
        writtenSinceBarrier.formUnion(program.batch.written.map(\.hazardRegion))
        counters.launches += program.batch.launches * times
        counters.barriers += program.batch.barriers * times
        try flush(after: [VkCommandBuffer](repeating: program.batch.commandBuffer, count: times))
    }

    /// Frees a batch that is not in the stream's pool (a program's).
    func release(_ batch: Batch) {
        vkDestroyFence(context.device, batch.fence, nil)
        var cb: VkCommandBuffer? = batch.commandBuffer
        vkFreeCommandBuffers(context.device, pool, 1, &cb)
    }

    // MARK: Submission

    /// Submits the batch being recorded, if any, without waiting.
    func flush() throws { try flush(after: []) }

    /// Submits the batch being recorded after the command buffers `prefix` (replayed programs), in one
    /// submission whose fence is the batch's.
    private func flush(after prefix: [VkCommandBuffer]) throws {
        guard let batch = recording else { return }
        recording = nil
        let cb = batch.commandBuffer
        // Make the batch's writes visible to the host once its fence signals (reads map memory directly).
        var toHost = VkMemoryBarrier()
        toHost.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        toHost.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        toHost.dstAccessMask = VK_ACCESS_HOST_READ_BIT.rawValue
        vkCmdPipelineBarrier(
            cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue,
            VK_PIPELINE_STAGE_HOST_BIT.rawValue, 0, 1, &toHost, 0, nil, 0, nil)
        try vkCheck(vkEndCommandBuffer(cb), "vkEndCommandBuffer", device: context.label)
        let cbs: [VkCommandBuffer?] = prefix + [cb]
        var submit = VkSubmitInfo()
        submit.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO
        submit.commandBufferCount = UInt32(cbs.count)
        let result = cbs.withUnsafeBufferPointer { ptr in
            submit.pCommandBuffers = ptr.baseAddress
            return vkQueueSubmit(context.queue, 1, &submit, batch.fence)
        }
        try vkCheck(result, "vkQueueSubmit", device: context.label)
        counters.submits += 1
        inFlight.append(batch)
        // Keep the host at most a few batches ahead of the device, so recorded work (and what it retains)
        // cannot pile up without bound; deep enough that the device never starves.
        if inFlight.count > Self.maxBatchesInFlight {
            try wait(for: inFlight[inFlight.count - Self.maxBatchesInFlight - 1].serial, throttling: true)
        }
    }

    static let maxBatchesInFlight = 3

    /// Blocks until every batch up to `serial` has finished, submitting the recording batch if needed.
    /// `throttling` counts the wait as keeping the queue bounded rather than as needing a result.
    func wait(for serial: UInt64, throttling: Bool = false) throws {
        if serial <= completedSerial { return }
        if let r = recording, r.serial <= serial { try flush() }
        var waited = false
        while let oldest = inFlight.first, oldest.serial <= serial {
            var fence: VkFence? = oldest.fence
            if vkGetFenceStatus(context.device, oldest.fence) != VK_SUCCESS {
                if !waited {
                    if throttling { counters.throttles += 1 } else { counters.hostWaits += 1 }
                    waited = true
                }
                let timeout = UInt64(clamping: Int64(min(fenceTimeoutSeconds * 1e9, 9e18)))
                let result = vkWaitForFences(context.device, 1, &fence, VkBool32(VK_TRUE), timeout)
                if result == VK_TIMEOUT {
                    throw ComputeError.deviceFailure(
                        "\(context.label): the device did not finish \(describe(oldest)) within \(fenceTimeoutSeconds) s; it may be hung"
                    )
                }
                do {
                    try vkCheck(result, "vkWaitForFences", device: context.label)
                } catch ComputeError.deviceFailure(let message) {
                    throw ComputeError.deviceFailure("\(message), running \(describe(oldest))")
                }
            }
            try retire(inFlight.removeFirst())
        }
    }

    /// Blocks until everything launched so far has finished.
    func synchronize() throws {
        try flush()
        if let last = inFlight.last { try wait(for: last.serial) }
    }

    /// Drops the finished profile records and returns them.
    func takeProfile() -> [(name: String, nanoseconds: Double)] {
        defer { profile.removeAll() }
        return profile
    }

    // MARK: Internals

    private func current() throws -> Batch {
        if let p = program { return p }
        if let r = recording { return r }
        // Recycle batches the device has finished, without blocking.
        while let oldest = inFlight.first, vkGetFenceStatus(context.device, oldest.fence) == VK_SUCCESS {
            try retire(inFlight.removeFirst())
        }
        let batch = try idle.popLast() ?? makeBatch()
        var fence: VkFence? = batch.fence
        try vkCheck(vkResetFences(context.device, 1, &fence), "vkResetFences", device: context.label)
        try vkCheck(vkResetCommandBuffer(batch.commandBuffer, 0), "vkResetCommandBuffer", device: context.label)
        var begin = VkCommandBufferBeginInfo()
        begin.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO
        begin.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT.rawValue
        try vkCheck(vkBeginCommandBuffer(batch.commandBuffer, &begin), "vkBeginCommandBuffer", device: context.label)
        batch.serial = nextSerial
        nextSerial += 1
        if let q = batch.queryPool {
            vkCmdResetQueryPool(batch.commandBuffer, q, 0, Self.timestampCapacity)
            timestamp(batch, nil)
        }
        recording = batch
        return batch
    }

    private func makeBatch(register: Bool = true, withTimestamps: Bool = true) throws -> Batch {
        var info = VkCommandBufferAllocateInfo()
        info.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO
        info.commandPool = pool
        info.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY
        info.commandBufferCount = 1
        var cb: VkCommandBuffer?
        try vkCheck(
            vkAllocateCommandBuffers(context.device, &info, &cb), "vkAllocateCommandBuffers", device: context.label)
        var fenceInfo = VkFenceCreateInfo()
        fenceInfo.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO
        var fence: VkFence?
        try vkCheck(vkCreateFence(context.device, &fenceInfo, nil, &fence), "vkCreateFence", device: context.label)
        var queryPool: VkQueryPool?
        if profiling && withTimestamps {
            var q = VkQueryPoolCreateInfo()
            q.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO
            q.queryType = VK_QUERY_TYPE_TIMESTAMP
            q.queryCount = Self.timestampCapacity
            try vkCheck(
                vkCreateQueryPool(context.device, &q, nil, &queryPool), "vkCreateQueryPool", device: context.label)
        }
        let batch = Batch(commandBuffer: cb!, fence: fence!, queryPool: queryPool)
        if register { allBatches.append(batch) }
        return batch
    }

    private func retire(_ batch: Batch) throws {
        completedSerial = max(completedSerial, batch.serial)
        if let q = batch.queryPool, batch.timestampNames.count > 1 {
            var ticks = [UInt64](repeating: 0, count: batch.timestampNames.count)
            let result = ticks.withUnsafeMutableBytes { raw in
                vkGetQueryPoolResults(
                    context.device, q, 0, UInt32(raw.count / 8), raw.count, raw.baseAddress, 8,
                    VK_QUERY_RESULT_64_BIT.rawValue | VK_QUERY_RESULT_WAIT_BIT.rawValue)
            }
            if result == VK_SUCCESS {
                let period = Double(context.physical.limits.timestampPeriod)
                let bits = context.physical.computeTimestampBits
                for i in 1..<ticks.count {
                    let elapsed = Self.elapsedTicks(from: ticks[i - 1], to: ticks[i], validBits: bits)
                    profile.append((batch.timestampNames[i], Double(elapsed) * period))
                }
            }
        }
        batch.timestampNames.removeAll()
        batch.launches = 0
        batch.retained.removeAll()
        idle.append(batch)
    }

    /// One global memory barrier: every compute and transfer write before it is visible to every compute and
    /// transfer access after it (earlier submissions included).
    private static func globalBarrier(_ cb: VkCommandBuffer) {
        var barrier = VkMemoryBarrier()
        barrier.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER
        barrier.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        barrier.dstAccessMask =
            VK_ACCESS_SHADER_READ_BIT.rawValue | VK_ACCESS_SHADER_WRITE_BIT.rawValue
            | VK_ACCESS_TRANSFER_READ_BIT.rawValue | VK_ACCESS_TRANSFER_WRITE_BIT.rawValue
        let stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT.rawValue | VK_PIPELINE_STAGE_TRANSFER_BIT.rawValue
        vkCmdPipelineBarrier(cb, stages, stages, 0, 1, &barrier, 0, nil, 0, nil)
    }

    private func orderAfterHazards(reads: [MemoryRegion], writes: [MemoryRegion], cb: VkCommandBuffer) {
        let conflict =
            reads.contains { writtenSinceBarrier.overlaps($0) }
            || writes.contains { writtenSinceBarrier.overlaps($0) || readSinceBarrier.overlaps($0) }
        if conflict {
            Self.globalBarrier(cb)
            if let p = program { p.barriers += 1 } else { counters.barriers += 1 }
            readSinceBarrier.removeAll()
            writtenSinceBarrier.removeAll()
        }
        readSinceBarrier.formUnion(reads)
        writtenSinceBarrier.formUnion(writes)
    }

    private func note(_ buffers: [VulkanBuffer], _ batch: Batch) {
        if batch.isProgram {
            batch.retained.append(contentsOf: buffers as [AnyObject])
            return
        }
        for b in buffers where b.retainedBy != batch.serial {
            b.retainedBy = batch.serial
            b.lastUse = batch.serial
            batch.retained.append(b)
        }
    }

    /// Marks writes for `read` ordering; called by the device after a dispatch.
    func noteWrites(_ buffers: [VulkanBuffer]) throws {
        let batch = try current()
        if batch.isProgram {
            batch.written.append(contentsOf: buffers)
            return
        }
        for b in buffers { b.lastWrite = batch.serial }
    }

    /// Ticks from `start` to `end` on a counter whose low `validBits` bits count and wrap; the bits above are
    /// undefined, so they are masked off before and after the difference.
    static func elapsedTicks(from start: UInt64, to end: UInt64, validBits: UInt32) -> UInt64 {
        let mask: UInt64 = validBits >= 64 ? .max : (1 << UInt64(validBits)) - 1
        return ((end & mask) &- (start & mask)) & mask
    }

    /// A batch's serial and launches, for error messages.
    private func describe(_ batch: Batch) -> String {
        guard batch.launches > 0 else { return "batch \(batch.serial) (transfers only)" }
        return "batch \(batch.serial) (\(batch.launches) launches, \(batch.firstLaunch) … \(batch.lastLaunch))"
    }

    private func timestamp(_ batch: Batch, _ name: String?) {
        guard !batch.isProgram, let q = batch.queryPool, batch.timestampNames.count < Int(Self.timestampCapacity) else {
            return
        }
        vkCmdWriteTimestamp(
            batch.commandBuffer, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, q, UInt32(batch.timestampNames.count))
        batch.timestampNames.append(name ?? "start")
    }
}

/// Launches recorded once into a command buffer, replayed by `VulkanCommandStream.run(_:times:)`. It keeps
/// its buffers alive; batches that run it keep it alive until they finish.
final class VulkanProgram: RecordedWork, @unchecked Sendable {
    let batch: VulkanCommandStream.Batch
    let stream: VulkanCommandStream
    var launches: Int { batch.launches }

    init(batch: VulkanCommandStream.Batch, stream: VulkanCommandStream) { self.batch = batch; self.stream = stream }

    deinit {
        VulkanInstance.lifecycle.beginShared()
        defer { VulkanInstance.lifecycle.end() }
        stream.release(batch)
    }
}

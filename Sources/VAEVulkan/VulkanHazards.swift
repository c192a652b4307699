/// Memory a launch or copy touches, for hazard tracking: a buffer, or the bytes of a tensor group's buffer
/// that one part covers (two parts of a group do not conflict; a part and the whole do).
struct MemoryRegion: Hashable {
    let id: ObjectIdentifier
    let bytes: Range<Int>

    /// All of an object (a staging buffer, a buffer whose extent does not matter).
    init(whole object: AnyObject) { id = ObjectIdentifier(object); bytes = 0..<Int.max }
    init(id: ObjectIdentifier, bytes: Range<Int>) { self.id = id; self.bytes = bytes }

    func overlaps(_ other: MemoryRegion) -> Bool { id == other.id && bytes.overlaps(other.bytes) }
}

/// The regions read or written since the last barrier.
struct HazardSet {
    private var regions: [ObjectIdentifier: Set<Range<Int>>] = [:]

    func overlaps(_ region: MemoryRegion) -> Bool {
        regions[region.id]?.contains { $0.overlaps(region.bytes) } ?? false
    }

    mutating func insert(_ region: MemoryRegion) { regions[region.id, default: []].insert(region.bytes) }

    mutating func formUnion(_ more: some Sequence<MemoryRegion>) { for r in more { insert(r) } }

    mutating func removeAll() { regions.removeAll(keepingCapacity: true) }
}

extension VulkanBuffer {
    /// The memory this buffer covers, as hazard tracking sees it: for a part of a group, its bytes of the
    /// group's buffer.
    var hazardRegion: MemoryRegion {
        guard let owner else { return MemoryRegion(whole: self) }
        return MemoryRegion(id: ObjectIdentifier(owner), bytes: offset..<(offset + max(size, 1)))
    }
}

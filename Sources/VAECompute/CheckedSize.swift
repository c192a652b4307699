import Foundation

/// A size that does not fit: an arithmetic overflow on sizes from outside, or a request larger than a
/// device or the machine can hold. The description is one line naming what was asked for.
public struct SizeError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Overflow-checked size arithmetic: every product of dimensions, byte count and offset that can come
/// from outside (options, file headers, checkpoint shapes) goes through these, so hostile numbers give a
/// `SizeError` instead of wrapping around or trapping.
public enum CheckedSize {
    /// a × b, or a `SizeError` naming `what` when it overflows or either is negative.
    public static func multiply(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        guard a >= 0, b >= 0 else { throw SizeError("\(what()): negative size (\(a) × \(b))") }
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw SizeError("\(what()): \(a) × \(b) is too large to count") }
        return p
    }

    /// a + b, or a `SizeError` naming `what` when it overflows or either is negative.
    public static func add(_ a: Int, _ b: Int, _ what: @autoclosure () -> String) throws -> Int {
        guard a >= 0, b >= 0 else { throw SizeError("\(what()): negative size (\(a) + \(b))") }
        let (s, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw SizeError("\(what()): \(a) + \(b) is too large to count") }
        return s
    }

    /// The product of `dimensions` (1 for none), each of which must be non-negative.
    public static func product(_ dimensions: [Int], _ what: @autoclosure () -> String) throws -> Int {
        var p = 1
        for d in dimensions {
            guard d >= 0 else { throw SizeError("\(what()): negative dimension in \(dimensions)") }
            let (q, overflow) = p.multipliedReportingOverflow(by: d)
            guard !overflow else { throw SizeError("\(what()): the dimensions \(dimensions) are too large to count") }
            p = q
        }
        return p
    }

    /// The sum of `terms`, checked.
    public static func sum(_ terms: [Int], _ what: @autoclosure () -> String) throws -> Int {
        try terms.reduce(0) { try add($0, $1, what()) }
    }

    /// The most elements one tensor may have on any backend: kernels index elements with 32-bit signed
    /// integers (GLSL `int`/`uint` indices, the C kernels' `int` leading dimensions).
    public static let maxTensorElements = Int(Int32.max)

    /// The element count of a tensor of `shape`, checked against `maxTensorElements`.
    public static func tensorElements(_ shape: [Int]) throws -> Int {
        let count = try product(shape, "a tensor of shape \(shape)")
        guard count <= maxTensorElements else {
            throw SizeError(
                "a tensor of shape \(shape) has \(count) elements; kernels take at most \(maxTensorElements)")
        }
        return count
    }
}

/// Memory the machine and its devices can hold, and the one-line refusal when a request does not fit.
public enum MemoryBudget {
    /// The machine's physical memory in bytes (what CPU tensors and host arrays can use without swapping).
    public static var physicalBytes: Int {
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return Int.max }
        return pages.multipliedReportingOverflow(by: pageSize).overflow ? Int.max : pages * pageSize
    }

    /// "1.5 GB", "300 MB", "12 kB": decimal units, as people read them.
    public static func describe(_ bytes: Int) -> String {
        let units = ["bytes", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes), unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        return unit == 0 ? "\(bytes) bytes" : String(format: value < 10 ? "%.1f %@" : "%.0f %@", value, units[unit])
    }

    /// Throws "`what` needs N GB, `place` has M" when `bytes` exceeds `capacity`.
    public static func require(
        _ bytes: Int, fitIn capacity: Int, _ what: @autoclosure () -> String,
        place: @autoclosure () -> String
    ) throws {
        guard bytes > capacity else { return }
        throw SizeError("\(what()): needs \(describe(bytes)), \(place()) has \(describe(capacity))")
    }

    /// Throws when host arrays of `bytes` would not fit in the machine's memory.
    public static func requireHost(_ bytes: Int, _ what: @autoclosure () -> String) throws {
        try require(bytes, fitIn: physicalBytes, what(), place: "the machine")
    }
}

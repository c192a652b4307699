import Foundation

/// The processes of a data-parallel training run and the collectives between them (rank 0 writes the run's
/// files). One process, `SingleProcess`, is the default and costs nothing; `MPICommunicator` (built with the
/// MPI package trait) joins the processes `mpirun` or `srun` started.
///
/// Every rank must call the collectives in the same order with the same sizes, as MPI requires.
public protocol Communicator: AnyObject {
    /// This process's number, 0 ..< `size`.
    var rank: Int { get }
    /// How many processes train together.
    var size: Int { get }
    /// Replaces `values` by their sum over every rank (in place: a tensor's own memory on the CPU backend).
    func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws
    /// Replaces `values` by their sum over every rank.
    func allreduceSum(_ values: inout [Double]) throws
    /// Replaces `values` by their maximum over every rank.
    func allreduceMax(_ values: inout [Double]) throws
    /// Waits until every rank has called it.
    func barrier() throws
    /// Ends every rank of the job (after this one has said why).
    func abort(status: Int32) -> Never
}

extension Communicator {
    /// Replaces `values` by their sum over every rank.
    public func allreduceSum(_ values: inout [Float]) throws {
        try values.withUnsafeMutableBufferPointer { try allreduceSum($0) }
    }

    /// Throws naming `what` unless every rank holds the same `values` (checked by the maximum and minimum
    /// over the ranks).
    public func requireAgreement(_ values: [Double], about what: String) throws {
        guard size > 1 else { return }
        var high = values, low = values.map { -$0 }
        try allreduceMax(&high)
        try allreduceMax(&low)
        guard zip(high, low).allSatisfy({ $0 == -$1 }) else {
            throw RunError("the \(size) ranks disagree about \(what); every rank must start from the same run")
        }
    }
}

/// One process: every collective is the identity.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func allreduceSum(_ values: UnsafeMutableBufferPointer<Float>) throws {}
    public func allreduceSum(_ values: inout [Double]) throws {}
    public func allreduceMax(_ values: inout [Double]) throws {}
    public func barrier() throws {}
    public func abort(status: Int32) -> Never { exit(status) }
}

/// How a batch of `count` rows is shared by `size` ranks: contiguous slices, the first `count % size`
/// ranks one row longer, so rank r's rows are rows `first ..< first + count` of the whole batch.
public func batchSlice(rows count: Int, rank: Int, size: Int) -> (first: Int, count: Int) {
    let base = count / size, extra = count % size
    return (rank * base + min(rank, extra), base + (rank < extra ? 1 : 0))
}

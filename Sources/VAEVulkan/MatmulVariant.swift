/// The register blocking of the matmul shader: each invocation computes `rowsPerThread × columnsPerThread`
/// outputs, and a workgroup is `workgroupX × workgroupY` invocations.
public struct MatmulVariant: Sendable, Hashable, CustomStringConvertible {
    public var rowsPerThread: Int
    public var columnsPerThread: Int
    public var workgroupX: Int
    public var workgroupY: Int

    public init(rowsPerThread: Int, columnsPerThread: Int, workgroupX: Int, workgroupY: Int) {
        self.rowsPerThread = rowsPerThread; self.columnsPerThread = columnsPerThread
        self.workgroupX = workgroupX; self.workgroupY = workgroupY
    }

    /// One output per invocation, 16×16 workgroups: the baseline.
    public static let naive = MatmulVariant(rowsPerThread: 1, columnsPerThread: 1, workgroupX: 16, workgroupY: 16)
    /// 4×4 outputs per invocation, 8×8 workgroups (32×32 tiles): the default.
    public static let blocked4x4 = MatmulVariant(rowsPerThread: 4, columnsPerThread: 4, workgroupX: 8, workgroupY: 8)
    /// 2×2 outputs per invocation, 16×16 workgroups.
    public static let blocked2x2 = MatmulVariant(rowsPerThread: 2, columnsPerThread: 2, workgroupX: 16, workgroupY: 16)
    /// 8×4 outputs per invocation, 8×8 workgroups (64×32 tiles).
    public static let blocked8x4 = MatmulVariant(rowsPerThread: 8, columnsPerThread: 4, workgroupX: 8, workgroupY: 8)

    public static let all: [MatmulVariant] = [.naive, .blocked2x2, .blocked4x4, .blocked8x4]

    /// The variant for a product's shape, from `vae bench --matmul all` on lavapipe: with B transposed
    /// (neighbouring invocations then read B with a stride) taller 8×4 blocks reuse each B value more and
    /// won up to 2.5×; with A transposed 4×4 won; otherwise 8×4 for wide products and 4×4 for narrow ones.
    public static func forShape(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool) -> MatmulVariant {
        switch (transposeA, transposeB) {
        case (true, false): return .blocked4x4
        case (_, true): return .blocked8x4
        case (false, false): return n >= 256 ? .blocked8x4 : .blocked4x4
        }
    }

    public var description: String {
        "\(rowsPerThread)x\(columnsPerThread) per thread, \(workgroupX)x\(workgroupY) workgroup"
    }
}

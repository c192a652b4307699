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

    /// The variant for a product's shape, from `vae bench --matmul all` on lavapipe (quiet machine): 8×4
    /// blocks won every product of the reference model's large layers (up to 9.7× the naive kernel, 1.2–1.4×
    /// the 4×4 blocks); among the small ones (20 wide) 8×4 won where B is transposed and 4×4 elsewhere.
    public static func forShape(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool) -> MatmulVariant {
        m * n >= 65_536 || transposeB ? .blocked8x4 : .blocked4x4
    }

    public var description: String {
        "\(rowsPerThread)x\(columnsPerThread) per thread, \(workgroupX)x\(workgroupY) workgroup"
    }
}

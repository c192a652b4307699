/// How a matrix product runs: each invocation computes `rowsPerThread × columnsPerThread` outputs, and a
/// workgroup is `workgroupX × workgroupY` invocations. With `stagedDepth` the product stages tiles of the
/// operands in shared memory, `stagedDepth` deep along k (`matmul_tiled.comp`, for GPUs); without, every
/// invocation reads its operands from memory itself (`matmul.comp`, fastest on lavapipe).
public struct MatmulVariant: Sendable, Hashable, CustomStringConvertible {
    public var rowsPerThread: Int
    public var columnsPerThread: Int
    public var workgroupX: Int
    public var workgroupY: Int
    /// The k-slab of the shared-memory tiles; nil for the kernel without shared memory.
    public var stagedDepth: Int?

    public init(rowsPerThread: Int, columnsPerThread: Int, workgroupX: Int, workgroupY: Int, stagedDepth: Int? = nil) {
        self.rowsPerThread = rowsPerThread; self.columnsPerThread = columnsPerThread
        self.workgroupX = workgroupX; self.workgroupY = workgroupY; self.stagedDepth = stagedDepth
    }

    /// Rows and columns of C one workgroup computes.
    public var tileRows: Int { workgroupY * rowsPerThread }
    public var tileColumns: Int { workgroupX * columnsPerThread }

    /// One output per invocation, 16×16 workgroups: the baseline.
    public static let naive = MatmulVariant(rowsPerThread: 1, columnsPerThread: 1, workgroupX: 16, workgroupY: 16)
    /// 4×4 outputs per invocation, 8×8 workgroups (32×32 tiles): the default.
    public static let blocked4x4 = MatmulVariant(rowsPerThread: 4, columnsPerThread: 4, workgroupX: 8, workgroupY: 8)
    /// 2×2 outputs per invocation, 16×16 workgroups.
    public static let blocked2x2 = MatmulVariant(rowsPerThread: 2, columnsPerThread: 2, workgroupX: 16, workgroupY: 16)
    /// 8×4 outputs per invocation, 8×8 workgroups (64×32 tiles).
    public static let blocked8x4 = MatmulVariant(rowsPerThread: 8, columnsPerThread: 4, workgroupX: 8, workgroupY: 8)

    /// Shared-memory tiles of 32×32 (8×8 invocations of 4×4), 16 deep: small products.
    public static let tiled32 = MatmulVariant(
        rowsPerThread: 4, columnsPerThread: 4, workgroupX: 8, workgroupY: 8, stagedDepth: 16)
    /// Shared-memory tiles of 64×64 (16×16 invocations of 4×4), 16 deep.
    public static let tiled64 = MatmulVariant(
        rowsPerThread: 4, columnsPerThread: 4, workgroupX: 16, workgroupY: 16, stagedDepth: 16)
    /// Shared-memory tiles of 128×128 (16×16 invocations of 8×8), 8 deep: large products.
    public static let tiled128 = MatmulVariant(
        rowsPerThread: 8, columnsPerThread: 8, workgroupX: 16, workgroupY: 16, stagedDepth: 8)

    /// The kernels without shared memory (lavapipe's).
    public static let unstaged: [MatmulVariant] = [.naive, .blocked2x2, .blocked4x4, .blocked8x4]
    /// The shared-memory presets (GPUs').
    public static let tiled: [MatmulVariant] = [.tiled32, .tiled64, .tiled128]
    public static let all: [MatmulVariant] = unstaged + tiled

    /// The shared-memory preset for a product on a GPU: the largest tile that still gives enough
    /// workgroups to spread over the GPU's compute units (a few dozen to over a hundred), since a
    /// large tile on a small product leaves most of them idle.
    public static func forGPU(m: Int, n: Int) -> MatmulVariant {
        func groups(_ v: MatmulVariant) -> Int {
            ((m + v.tileRows - 1) / v.tileRows) * ((n + v.tileColumns - 1) / v.tileColumns)
        }
        if groups(.tiled128) >= 128 { return .tiled128 }
        if groups(.tiled64) >= 64 { return .tiled64 }
        return .tiled32
    }

    /// The variant for a product's shape, from `vae bench --matmul all` on lavapipe (quiet machine): 8×4
    /// blocks won every product of the reference model's large layers (up to 9.7× the naive kernel, 1.2–1.4×
    /// the 4×4 blocks); among the small ones (20 wide) 8×4 won where B is transposed and 4×4 elsewhere.
    public static func forShape(m: Int, n: Int, k: Int, transposeA: Bool, transposeB: Bool) -> MatmulVariant {
        m * n >= 65_536 || transposeB ? .blocked8x4 : .blocked4x4
    }

    public var description: String {
        "\(rowsPerThread)x\(columnsPerThread) per thread, \(workgroupX)x\(workgroupY) workgroup"
            + (stagedDepth.map { ", \(tileRows)x\(tileColumns)x\($0) shared tiles" } ?? "")
    }

    /// A short name: `4x4` for the kernels without shared memory, `tiled64` for the shared-memory ones.
    public var name: String {
        stagedDepth == nil ? "\(rowsPerThread)x\(columnsPerThread)" : "tiled\(tileRows)"
    }
}

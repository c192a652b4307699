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
    /// Split-K with the shared-memory tiles: the k-slices to split every product into (1: never), or nil to
    /// decide per product (`automaticSlices`). A split product's workgroups each sum one slice of k into
    /// a scratch tensor, and a second launch adds the slices and applies the epilogue.
    public var splitK: Int?

    public init(
        rowsPerThread: Int, columnsPerThread: Int, workgroupX: Int, workgroupY: Int, stagedDepth: Int? = nil,
        splitK: Int? = nil
    ) {
        self.rowsPerThread = rowsPerThread; self.columnsPerThread = columnsPerThread
        self.workgroupX = workgroupX; self.workgroupY = workgroupY; self.stagedDepth = stagedDepth
        self.splitK = splitK
    }

    /// This variant with every product split into `slices` k-slices (shared-memory presets only).
    public func splitting(_ slices: Int) -> MatmulVariant {
        var v = self
        v.splitK = slices
        return v
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
    /// Shared-memory presets with split-K forced on every product (3 slices: uneven ones; 8), for proving
    /// the split path on every shape.
    public static let split: [MatmulVariant] = [tiled32.splitting(3), tiled64.splitting(8)]
    public static let all: [MatmulVariant] = unstaged + tiled + split

    /// A product's grid of C tiles with this variant: workgroups along C's columns and rows.
    public func tileGrid(m: Int, n: Int) -> (columns: Int, rows: Int) {
        ((n + tileColumns - 1) / tileColumns, (m + tileRows - 1) / tileRows)
    }

    /// The number of workgroups a product's grid of C tiles has with this variant.
    public func workgroups(m: Int, n: Int) -> Int {
        let grid = tileGrid(m: m, n: n)
        return grid.columns * grid.rows
    }

    /// The compute units (SMs, CUs, cores) the GPU decisions assume where the driver does not say: a
    /// mid-range discrete GPU's. Integrated GPUs are assumed to have `assumedIntegratedComputeUnits`.
    public static let assumedComputeUnits = 64, assumedIntegratedComputeUnits = 16

    /// k-slices for a product on a GPU of `computeUnits` compute units when its grid of tiles has fewer
    /// workgroups than there are units (with 64: fc1's forward on a batch of 128 is 4×13 tiles of 32,
    /// conv28's 3136→256 product 4×8): enough slices for about two workgroups per unit, at most 8, each at
    /// least 128 deep so the partial sums still amortize the second launch. 1 means no split.
    public static func automaticSlices(
        m: Int, n: Int, k: Int, tile: MatmulVariant, computeUnits: Int = assumedComputeUnits
    ) -> Int {
        let groups = tile.workgroups(m: m, n: n), units = max(computeUnits, 1)
        guard groups > 0, groups < units else { return 1 }
        return max(1, min(8, (2 * units + groups - 1) / groups, k / 128))
    }

    /// How `slices` requested k-slices cover `k` with slabs `depth` deep: each slice a whole number of slabs
    /// (`chunk` deep), and the slices that hold any of k (`count`, at least 1).
    public static func sliceDepth(k: Int, slices: Int, depth: Int) -> (chunk: Int, count: Int) {
        guard k > 0, slices > 1 else { return (max(k, 1), 1) }
        let perSlice = (k + slices - 1) / slices
        let chunk = (perSlice + depth - 1) / depth * depth
        return (chunk, (k + chunk - 1) / chunk)
    }

    /// The shared-memory preset for a product on a GPU of `computeUnits` compute units: the largest tile
    /// that still gives enough workgroups to spread over them (two per unit for the 128-wide tiles, one per
    /// unit for the 64-wide ones), since a large tile on a small product leaves most of them idle.
    public static func forGPU(m: Int, n: Int, computeUnits: Int = assumedComputeUnits) -> MatmulVariant {
        func groups(_ v: MatmulVariant) -> Int { v.workgroups(m: m, n: n) }
        let units = max(computeUnits, 1)
        if groups(.tiled128) >= 2 * units { return .tiled128 }
        if groups(.tiled64) >= units { return .tiled64 }
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
            + (splitK.map { $0 > 1 ? ", k split \($0) ways" : "" } ?? "")
    }

    /// A short name: `4x4` for the kernels without shared memory, `tiled64` for the shared-memory ones.
    public var name: String {
        stagedDepth == nil
            ? "\(rowsPerThread)x\(columnsPerThread)"
            : "tiled\(tileRows)" + (splitK.map { $0 > 1 ? "-split\($0)" : "" } ?? "")
    }
}

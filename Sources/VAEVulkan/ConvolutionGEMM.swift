import VAECompute

/// How the convolution kernels run on Vulkan (`VulkanDevice.Options.convolutions`).
public enum ConvolutionPath: String, Sendable, CaseIterable {
    /// Tiles where the products run on tiles and the layer is wide enough; the direct kernels elsewhere.
    case automatic = "auto"
    /// One output per invocation (`conv2d.comp`, `conv_transpose2d.comp`, `conv2d_weight_gradient.comp`).
    case direct
    /// Implicit GEMMs on the shared-memory tiles (`conv_tiled.comp`): the forced `matmul` preset's tiles if
    /// it has them, else the GPU's choice for the shape.
    case tiled
}

/// A convolution kernel seen as a matrix product C = A·B (an implicit GEMM: B's columns are gathered from
/// the images on the fly), the shape `conv_tiled.comp` runs on the shared-memory tiles. T = kernel taps,
/// P = output positions per image.
struct ConvolutionGEMM {
    /// Which kernel: its number is the shader's MODE.
    enum Mode: UInt32 {
        /// conv2d: C [O, N·P] = w [O, C·T] · patches [C·T, N·P].
        case conv2d = 0
        /// convTranspose2d: C [C, N·H·W] = wᵀ [C, O·T] · gathered outputs [O·T, N·H·W]; with a stride s, only
        /// one tap in s² lands on an input position, the others gather zeros.
        case convTranspose2d = 1
        /// conv2dWeightGradient: C [O, C·T] = dy [O, N·P] · patchesᵀ [N·P, C·T]; a long k, a small C.
        case weightGradient = 2
    }

    let mode: Mode
    let geometry: ConvGeometry
    let batch: Int
    /// The product's rows (channels of the output side), columns and depth.
    let m: Int, n: Int, k: Int

    init(_ mode: Mode, _ g: ConvGeometry, batch: Int) {
        self.mode = mode; geometry = g; self.batch = batch
        let taps = g.kernelHeight * g.kernelWidth, positions = g.outputHeight * g.outputWidth
        switch mode {
        case .conv2d: (m, n, k) = (g.outputChannels, batch * positions, g.inputChannels * taps)
        case .convTranspose2d:
            (m, n, k) = (g.inputChannels, batch * g.inputHeight * g.inputWidth, g.outputChannels * taps)
        case .weightGradient: (m, n, k) = (g.outputChannels, g.inputChannels * taps, batch * positions)
        }
    }

    /// The fewest rows of C worth a tile: below this most of even a 32-row tile is padding, and the direct
    /// kernel (one output per invocation) does only the work there is (conv28's last layer has one channel).
    static let fewestTiledRows = 16

    /// The shared-memory tiles on a GPU of `computeUnits` compute units, as a product of this shape would
    /// take them, or nil for the direct kernel.
    func tilesForGPU(computeUnits: Int) -> MatmulVariant? {
        m < Self.fewestTiledRows ? nil : MatmulVariant.forGPU(m: m, n: n, computeUnits: computeUnits)
    }
}

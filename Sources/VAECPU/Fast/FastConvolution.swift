import CKernels
import COpenBLAS
import VAECompute

/// The CPU convolutions: im2col (or col2im) around the matrix kernels, so a convolution runs at the
/// rate of the blocked products. Images are split across the cores; each part handles its images in
/// groups whose patch matrices sit side by side, so every product is ~1024 columns wide even
/// where an image has few output positions (a 7×7 map has 49).
enum FastConvolution {
    /// Columns of the patch matrix per product to aim for: from `vae bench --what training --arch conv28`
    /// with 256 to 4096, 512–1024 were fastest (wider groups fall out of the cache).
    static let targetColumns = 1024

    struct Plan {
        let g: ConvGeometry
        let batch: Int
        /// Output positions per image, patch rows (C·KH·KW), images per group.
        let positions: Int, patchRows: Int, group: Int
        let parts: Int, perPart: Int

        init(_ g: ConvGeometry, batch: Int) {
            self.g = g; self.batch = batch
            positions = g.outputHeight * g.outputWidth
            patchRows = g.reduction
            group = max(1, min(batch, targetColumns / max(positions, 1)))
            // One part per core, but not fewer than a group of images each.
            parts = max(1, min(Parallel.cores, (batch + group - 1) / group))
            perPart = (batch + parts - 1) / parts
        }

        /// Runs `body(part, first image, image count, patch matrix, gather buffer)` on every group of
        /// images, each part's groups on that part's thread with that part's buffers (sized for a group).
        func forEachGroup(
            scratch: FastScratch,
            _ body: (
                _ part: Int, _ first: Int, _ count: Int, _ cols: UnsafeMutablePointer<Float>,
                _ gathered: UnsafeMutablePointer<Float>
            ) -> Void
        ) {
            let ldMax = group * positions
            let cols = scratch.reserve(slot: 0, parts: parts, count: patchRows * ldMax)
            let gathered = scratch.reserve(slot: 1, parts: parts, count: g.outputChannels * ldMax)
            Parallel.run(parts: parts) { part in
                let mine = images(part)
                for first in stride(from: mine.lowerBound, to: mine.upperBound, by: group) {
                    body(part, first, min(group, mine.upperBound - first), cols[part], gathered[part])
                }
            }
        }

        /// The output-side rows of `count` images as one [channels, count·positions] matrix: the images
        /// themselves when there is one, else copied side by side into `buffer`.
        func sideBySide(
            _ images: UnsafePointer<Float>, count: Int, into buffer: UnsafeMutablePointer<Float>
        )
            -> UnsafePointer<Float>
        {
            guard count > 1 else { return images }
            interleave(
                images, features: g.outputFeatures, count: count, channels: g.outputChannels, positions: positions,
                into: buffer)
            return UnsafePointer(buffer)
        }

        func images(_ part: Int) -> Range<Int> { min(batch, part * perPart)..<min(batch, (part + 1) * perPart) }

        func patches(_ x: UnsafePointer<Float>, image n: Int, into cols: UnsafeMutablePointer<Float>, ld: Int) {
            vae_im2col(
                x + n * g.inputFeatures, Int32(g.inputChannels), Int32(g.inputHeight), Int32(g.inputWidth),
                Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.stride), Int32(g.padding),
                Int32(g.outputHeight), Int32(g.outputWidth), cols, ld)
        }
    }

    /// `C = op(A)·op(B)` (or `+=`), single-threaded, on the AVX-512 kernel where it wins, else OpenBLAS.
    static func gemm(
        _ ta: Bool, _ tb: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, _ lda: Int,
        _ b: UnsafePointer<Float>, _ ldb: Int, _ c: UnsafeMutablePointer<Float>, _ ldc: Int, accumulate: Bool,
        engine: CPUDevice.MatrixEngine
    ) {
        if k == 0 {
            if !accumulate { for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) } }
            return
        }
        if FastKernels.usesAVX512(engine, m: m, n: n, k: k, transposeB: tb) {
            vae_sgemm_avx512(
                ta, tb, Int32(m), Int32(n), Int32(k), a, Int32(lda), b, Int32(ldb), c, Int32(ldc), accumulate, nil,
                false, 0)
        } else {
            cblas_sgemm(
                CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, Int32(m), Int32(n),
                Int32(k),
                1, a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
        }
    }

    /// Copies image rows of [channels, positions] into a matrix [channels, group·positions] (or back):
    /// the layout change between NCHW images and the side-by-side patch matrices.
    static func interleave(
        _ images: UnsafePointer<Float>, features: Int, count: Int, channels: Int, positions: Int,
        into matrix: UnsafeMutablePointer<Float>
    ) {
        let ld = count * positions
        for t in 0..<count {
            for c in 0..<channels {
                (matrix + c * ld + t * positions).update(from: images + t * features + c * positions, count: positions)
            }
        }
    }

    static func deinterleave(
        _ matrix: UnsafePointer<Float>, count: Int, channels: Int, positions: Int, features: Int,
        into images: UnsafeMutablePointer<Float>
    ) {
        let ld = count * positions
        for t in 0..<count {
            for c in 0..<channels {
                (images + t * features + c * positions).update(from: matrix + c * ld + t * positions, count: positions)
            }
        }
    }

    /// Adds a per-channel bias and applies the activation to images of [channels, plane] values.
    static func epilogue(
        _ y: UnsafeMutablePointer<Float>, images: Int, channels: Int, plane: Int, bias: UnsafePointer<Float>?,
        _ act: Activation
    ) {
        for t in 0..<images {
            for c in 0..<channels {
                let run = UnsafeMutableBufferPointer(start: y + (t * channels + c) * plane, count: plane)
                if let bias { let b = bias[c]; for i in run.indices { run[i] += b } }
                if act != .identity { FastKernels.activateSerial(act, run, run) }
            }
        }
    }

    /// A tensor's floats.
    static func pointer(_ t: Tensor) -> UnsafeMutablePointer<Float> { FastKernels.floats(t).baseAddress! }

    static func conv2d(
        _ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ y: Tensor, _ g: ConvGeometry, _ act: Activation,
        scratch: FastScratch, engine: CPUDevice.MatrixEngine
    ) {
        let plan = Plan(g, batch: x.rows)
        let (xv, wv, yv, bv) = (
            UnsafePointer(pointer(x)), UnsafePointer(pointer(w)), pointer(y), bias.map { UnsafePointer(pointer($0)) }
        )
        plan.forEachGroup(scratch: scratch) { _, first, count, cols, gathered in
            let ld = count * plan.positions
            for t in 0..<count { plan.patches(xv, image: first + t, into: cols + t * plan.positions, ld: ld) }
            let out = yv + first * g.outputFeatures
            // One image: the product lands in the image itself; several: side by side, then apart.
            gemm(
                false, false, m: g.outputChannels, n: ld, k: plan.patchRows, wv, plan.patchRows, cols, ld,
                count == 1 ? out : gathered, ld, accumulate: false, engine: engine)
            if count > 1 {
                deinterleave(
                    gathered, count: count, channels: g.outputChannels, positions: plan.positions,
                    features: g.outputFeatures, into: out)
            }
            epilogue(out, images: count, channels: g.outputChannels, plane: plan.positions, bias: bv, act)
        }
    }

    static func convTranspose2d(
        _ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ y: Tensor, _ g: ConvGeometry, _ act: Activation,
        scratch: FastScratch, engine: CPUDevice.MatrixEngine
    ) {
        let plan = Plan(g, batch: x.rows)
        let (xv, wv, yv, bv) = (
            UnsafePointer(pointer(x)), UnsafePointer(pointer(w)), pointer(y), bias.map { UnsafePointer(pointer($0)) }
        )
        plan.forEachGroup(scratch: scratch) { _, first, count, cols, gathered in
            let ld = count * plan.positions
            let source = plan.sideBySide(xv + first * g.outputFeatures, count: count, into: gathered)
            // Patch matrix = Wᵀ·x, then each image's patches are added back where they were read.
            gemm(
                true, false, m: plan.patchRows, n: ld, k: g.outputChannels, wv, plan.patchRows, source, ld, cols, ld,
                accumulate: false, engine: engine)
            let out = yv + first * g.inputFeatures
            out.update(repeating: 0, count: count * g.inputFeatures)
            for t in 0..<count {
                vae_col2im(
                    cols + t * plan.positions, ld, Int32(g.inputChannels), Int32(g.inputHeight), Int32(g.inputWidth),
                    Int32(g.kernelHeight), Int32(g.kernelWidth), Int32(g.stride), Int32(g.padding),
                    Int32(g.outputHeight), Int32(g.outputWidth), out + t * g.inputFeatures)
            }
            epilogue(out, images: count, channels: g.inputChannels, plane: g.inputHeight * g.inputWidth, bias: bv, act)
        }
    }

    static func weightGradient(
        _ x: Tensor, _ dy: Tensor, _ dw: Tensor, _ g: ConvGeometry, scratch: FastScratch,
        engine: CPUDevice.MatrixEngine
    ) {
        let plan = Plan(g, batch: x.rows)
        let (xv, dyv, dwv) = (UnsafePointer(pointer(x)), UnsafePointer(pointer(dy)), FastKernels.floats(dw))
        let weights = dwv.count
        let partial = scratch.reserve(slot: 2, parts: plan.parts, count: weights)
        for part in 0..<plan.parts { partial[part].update(repeating: 0, count: weights) }
        plan.forEachGroup(scratch: scratch) { part, first, count, cols, gathered in
            let ld = count * plan.positions
            for t in 0..<count { plan.patches(xv, image: first + t, into: cols + t * plan.positions, ld: ld) }
            let source = plan.sideBySide(dyv + first * g.outputFeatures, count: count, into: gathered)
            // dW += dy·patchesᵀ, over this group's positions.
            gemm(
                false, true, m: g.outputChannels, n: plan.patchRows, k: ld, source, ld, cols, ld, partial[part],
                plan.patchRows, accumulate: true, engine: engine)
        }
        // The parts' sums, added in part order (the result depends on the thread count only through rounding).
        dwv.update(repeating: 0)
        for part in 0..<plan.parts { for i in 0..<weights { dwv[i] += partial[part][i] } }
    }

    /// Runs `body(first, count)` over channel ranges covering 0..<channels, split across the cores when
    /// the tensor (`values` floats) is large enough to pay for it.
    static func forEachChannelRange(_ channels: Int, values: Int, _ body: (Int, Int) -> Void) {
        let parts = max(1, min(Parallel.cores, channels, values / 65_536))
        let per = (channels + parts - 1) / parts
        Parallel.run(parts: parts) { part in
            let first = part * per, count = min(channels, first + per) - first
            if count > 0 { body(first, count) }
        }
    }

    static func channelSum(_ x: Tensor, _ out: Tensor, plane: Int) {
        let xv = FastKernels.floats(x).baseAddress!, ov = FastKernels.floats(out).baseAddress!
        let channels = out.count, rows = x.rows
        // Channels split across the cores when there is enough to sum.
        let parts = max(1, min(Parallel.cores, channels, rows * plane * channels / 65_536))
        let per = (channels + parts - 1) / parts
        Parallel.run(parts: parts) { part in
            let first = part * per, count = min(channels, first + per) - first
            if count > 0 { vae_channel_sum(xv, rows, channels, plane, ov, first, count) }
        }
    }
}

/// The shape of a 2-D convolution, carried by the convolution kernels.
///
/// Images travel as rows of a 2-D tensor `[batch, channels·height·width]` in NCHW order (the layout
/// PyTorch flattens), so a Flatten or Unflatten between layers costs nothing and every other kernel sees
/// the usual matrix. The convolution reads its image shape from here; the tensors' element counts are
/// checked against it before any work.
///
/// The relation is PyTorch's Conv2d: an input of `inputHeight × inputWidth` and a kernel of
/// `kernelHeight × kernelWidth` give `outputHeight = (inputHeight + 2·padding − kernelHeight) / stride + 1`.
/// A transposed convolution runs the same relation backwards, so its (larger) output is this geometry's
/// input; PyTorch's `output_padding` is the remainder that division drops.
public struct ConvGeometry: Sendable, Hashable, CustomStringConvertible {
    /// Channels of the convolution's input (a transposed convolution's output).
    public var inputChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    /// Channels of the convolution's output (a transposed convolution's input).
    public var outputChannels: Int
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    /// Zeros added on every side of the input.
    public var padding: Int

    public init(
        inputChannels: Int, inputHeight: Int, inputWidth: Int, outputChannels: Int,
        kernelHeight: Int, kernelWidth: Int, stride: Int = 1, padding: Int = 0
    ) {
        self.inputChannels = inputChannels; self.inputHeight = inputHeight; self.inputWidth = inputWidth
        self.outputChannels = outputChannels; self.kernelHeight = kernelHeight; self.kernelWidth = kernelWidth
        self.stride = stride; self.padding = padding
    }

    /// A square kernel.
    public init(
        inputChannels: Int, inputHeight: Int, inputWidth: Int, outputChannels: Int, kernel: Int,
        stride: Int = 1, padding: Int = 0
    ) {
        self.init(
            inputChannels: inputChannels, inputHeight: inputHeight, inputWidth: inputWidth,
            outputChannels: outputChannels,
            kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding)
    }

    /// The geometry of the transposed convolution that maps `channels × height × width` to `outputChannels`
    /// with PyTorch's ConvTranspose2d arguments: its output is
    /// `(height − 1)·stride − 2·padding + kernel + outputPadding` on each side, and that output is the
    /// returned geometry's input.
    public static func transposed(
        inputChannels channels: Int, height: Int, width: Int, outputChannels: Int, kernel: Int,
        stride: Int, padding: Int, outputPadding: Int
    ) -> ConvGeometry {
        func side(_ n: Int) -> Int { (n - 1) * stride - 2 * padding + kernel + outputPadding }
        return ConvGeometry(
            inputChannels: outputChannels, inputHeight: side(height), inputWidth: side(width),
            outputChannels: channels, kernel: kernel, stride: stride, padding: padding)
    }

    public var outputHeight: Int { Self.outputSide(inputHeight, kernelHeight, stride, padding) }
    public var outputWidth: Int { Self.outputSide(inputWidth, kernelWidth, stride, padding) }

    static func outputSide(_ n: Int, _ k: Int, _ s: Int, _ p: Int) -> Int {
        let span = n + 2 * p - k
        return span < 0 || s <= 0 ? 0 : span / s + 1
    }

    /// Values per image on the input side (`C·H·W`).
    public var inputFeatures: Int { inputChannels * inputHeight * inputWidth }
    /// Values per image on the output side.
    public var outputFeatures: Int { outputChannels * outputHeight * outputWidth }
    /// The weight's shape, PyTorch's Conv2d layout `[out, in, kh, kw]`. (ConvTranspose2d stores
    /// `[in, out, kh, kw]` of its own channels, which is the same array: its "in" is this geometry's output.)
    public var weightShape: [Int] { [outputChannels, inputChannels, kernelHeight, kernelWidth] }
    /// Multiply-adds per output value.
    public var reduction: Int { inputChannels * kernelHeight * kernelWidth }

    /// Throws unless every size is positive, the kernel fits the padded input, and the padding is less
    /// than the kernel (a larger pad makes outputs that see nothing but padding: refused as a mistake), all
    /// within `Int32.max` elements per image and per weight, for the shaders' 32-bit indices. Checked on
    /// every launch, so it allocates nothing.
    public func validate() throws {
        func fail(_ reason: String) -> ComputeError {
            .invalidArguments(kernel: "convolution", reason: "\(self): \(reason)")
        }
        func ok(_ n: Int) -> Bool { n > 0 && n <= 1 << 24 }
        guard ok(inputChannels), ok(inputHeight), ok(inputWidth), ok(outputChannels), ok(kernelHeight), ok(kernelWidth),
            ok(stride)
        else {
            throw fail("sizes must be positive and at most 2^24")
        }
        guard padding >= 0, padding < max(kernelHeight, kernelWidth) || padding == 0 else {
            throw fail("padding must be at least 0 and smaller than the kernel")
        }
        guard inputHeight + 2 * padding >= kernelHeight, inputWidth + 2 * padding >= kernelWidth else {
            throw fail("the kernel is larger than the padded input")
        }
        func fits(_ a: Int, _ b: Int, _ c: Int, _ d: Int = 1) -> Bool {
            let (ab, o1) = a.multipliedReportingOverflow(by: b), (abc, o2) = ab.multipliedReportingOverflow(by: c)
            let (abcd, o3) = abc.multipliedReportingOverflow(by: d)
            return !(o1 || o2 || o3) && abcd <= Int(Int32.max)
        }
        guard fits(inputChannels, inputHeight, inputWidth), fits(outputChannels, outputHeight, outputWidth),
            fits(outputChannels, inputChannels, kernelHeight, kernelWidth)
        else {
            throw fail("more than 2^31 values per image or in the weight")
        }
    }

    public var description: String {
        "\(inputChannels)×\(inputHeight)×\(inputWidth) → \(outputChannels)×\(outputHeight)×\(outputWidth), "
            + "kernel \(kernelHeight)×\(kernelWidth) stride \(stride) padding \(padding)"
    }
}

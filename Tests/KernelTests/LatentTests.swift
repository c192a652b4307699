import Testing
import VAECompute
import VAESelfTest

@Suite("latent")
struct LatentTests {
    @Test(arguments: LatentCases.all)
    func matchesReference(_ c: KernelCase) throws { try check(c) }

    /// The noise is standard normal: mean ≈ 0 and variance ≈ 1 over many draws, on every device, and a new
    /// step gives new noise.
    @Test func noiseIsStandardNormal() throws {
        let (rows, latent) = (500, 80), n = rows * latent
        for device in try TestDevices.all() {
            let zeros = try device.zeros([rows, 2 * latent])
            let eps = try device.zeros([rows, latent]), z = try device.zeros([rows, latent])
            let schedule = try device.makeTensor(shape: [2], elementType: .uint32)
            try device.upload([5, 0] as [UInt32], to: schedule)
            try device.launch(
                .reparameterize(posterior: zeros, eps: eps, z: z, schedule: schedule, seed: 42, stream: 0))
            let first = try device.download(eps)
            let mean = first.reduce(0, +) / Float(n)
            let variance = first.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n)
            // Standard errors: 1/sqrt(n) = 0.005 for the mean, sqrt(2/n) = 0.007 for the variance; 5 sigma.
            #expect(abs(mean) < 0.025 && abs(variance - 1) < 0.035, "\(device.info): mean \(mean) variance \(variance)")
            #expect(try device.download(z) == first, "z = eps when mu = 0 and logvar = 0")
            try device.launch(.advanceStep(schedule: schedule))
            try device.launch(
                .reparameterize(posterior: zeros, eps: eps, z: z, schedule: schedule, seed: 42, stream: 0))
            let second = try device.download(eps)
            #expect(zip(first, second).filter { $0 == $1 }.count < 10, "a new step must draw new noise")
        }
    }

    /// A slice of a batch drawn with its element offset gets exactly the noise (and the binary pixels) the
    /// whole batch gives those elements, on every device: the data-parallel ranks' rows together draw what
    /// one process would.
    @Test func aSliceDrawsTheWholeBatchesNoise() throws {
        let (rows, cols) = (9, 5), n = rows * cols
        for device in try TestDevices.all() {
            let schedule = try device.makeTensor(shape: [2], elementType: .uint32)
            try device.upload([4, 0] as [UInt32], to: schedule)
            func noise(_ count: Int, offset: Int) throws -> [Float] {
                let zeros = try device.zeros([count / cols, 2 * cols])
                let eps = try device.zeros([count / cols, cols]), z = try device.zeros([count / cols, cols])
                try device.launch(
                    .reparameterize(
                        posterior: zeros, eps: eps, z: z, schedule: schedule, seed: 9, stream: 2, offset: offset))
                return try device.download(eps)
            }
            func pixels(_ count: Int, offset: Int) throws -> [Float] {
                let x = try device.makeTensor(shape: [count], elementType: .float32)
                try device.upload((0..<count).map { Float(($0 + offset) % 7) / 7 }, to: x)
                try device.launch(.sampleBernoulli(x: x, schedule: schedule, seed: 9, stream: 2, offset: offset))
                return try device.download(x)
            }
            let whole = try noise(n, offset: 0), wholePixels = try pixels(n, offset: 0)
            // Rows 0–3 and 4–8 (offset 20: on a block boundary), and rows 3–6 alone (offset 15: inside a block).
            for (first, count) in [(0, 4), (4, 5), (3, 4)] {
                let offset = first * cols, range = offset..<(offset + count * cols)
                #expect(
                    try noise(count * cols, offset: offset) == Array(whole[range]), "\(device.info) rows from \(first)")
                #expect(try pixels(count * cols, offset: offset) == Array(wholePixels[range]), "\(device.info)")
            }
        }
    }
}

@Suite("importance sampling")
struct ImportanceTests {
    @Test(arguments: ImportanceCases.all)
    func matchesReference(_ c: KernelCase) throws { try check(c) }
}

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
        let n = 40_000
        for device in try TestDevices.all() {
            let zeros = try device.zeros([n]), eps = try device.zeros([n]), z = try device.zeros([n])
            let schedule = try device.makeTensor(shape: [2], elementType: .uint32)
            try device.upload([5, 0] as [UInt32], to: schedule)
            try device.launch(
                .reparameterize(mu: zeros, logvar: zeros, eps: eps, z: z, schedule: schedule, seed: 42, stream: 0))
            let first = try device.download(eps)
            let mean = first.reduce(0, +) / Float(n)
            let variance = first.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(n)
            // Standard errors: 1/sqrt(n) = 0.005 for the mean, sqrt(2/n) = 0.007 for the variance; 5 sigma.
            #expect(abs(mean) < 0.025 && abs(variance - 1) < 0.035, "\(device.info): mean \(mean) variance \(variance)")
            #expect(try device.download(z) == first, "z = eps when mu = 0 and logvar = 0")
            try device.launch(.advanceStep(schedule: schedule))
            try device.launch(
                .reparameterize(mu: zeros, logvar: zeros, eps: eps, z: z, schedule: schedule, seed: 42, stream: 0))
            let second = try device.download(eps)
            #expect(zip(first, second).filter { $0 == $1 }.count < 10, "a new step must draw new noise")
        }
    }
}

@Suite("importance sampling")
struct ImportanceTests {
    @Test(arguments: ImportanceCases.all)
    func matchesReference(_ c: KernelCase) throws { try check(c) }
}

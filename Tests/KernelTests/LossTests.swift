import Testing
import VAECompute
import VAESelfTest

@Suite("losses")
struct LossTests {
    @Test(arguments: LossCases.all)
    func matchesReference(_ c: KernelCase) throws { try check(c) }
}

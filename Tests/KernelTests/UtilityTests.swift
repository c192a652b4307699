import Testing
import VAECompute
import VAESelfTest

@Suite("utilities")
struct UtilityTests {
    @Test(arguments: UtilityCases.all)
    func matchesReference(_ c: KernelCase) throws { try check(c) }
}

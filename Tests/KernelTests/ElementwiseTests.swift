import Testing
import VAECompute
import VAESelfTest

@Suite("activations")
struct ActivationTests {
    @Test(arguments: ActivationCases.forward)
    func forward(_ c: KernelCase) throws { try check(c) }

    @Test(arguments: ActivationCases.backward)
    func backward(_ c: KernelCase) throws { try check(c) }
}

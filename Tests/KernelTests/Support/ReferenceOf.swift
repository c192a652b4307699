import VAECPU
import VAECompute

/// Short access to the reference definitions for building test inputs.
typealias ReferenceOf = ReferenceMath

import CVulkan
import VAECompute
import VAEKernels

/// The arithmetic of matrix products on a Vulkan device.
public enum MatmulPrecision: String, Sendable, CaseIterable, CustomStringConvertible {
    /// f32 operands, products and sums: the default, and what the CPU reference is compared with.
    case full
    /// f16 operands with f32 products and sums on cooperative matrices (tensor cores on NVIDIA, WMMA on AMD,
    /// XMX on Intel; VK_KHR_cooperative_matrix). The operands keep 11 significant bits instead of 24, so
    /// results differ from `full` by about 2⁻¹¹ relative per operand; values beyond f16's range (65,504)
    /// become infinite. Only where the device offers it and the shader was built (`CooperativeMatrix`).
    case mixed

    public var description: String { rawValue }
}

/// A cooperative-matrix shape (M×N×K of one subgroup's multiply-add) that a device offers for f16 × f16 + f32
/// → f32 at subgroup scope.
public struct CooperativeMatrixShape: Sendable, Hashable, CustomStringConvertible {
    public var m: Int, n: Int, k: Int
    public init(m: Int, n: Int, k: Int) { self.m = m; self.n = n; self.k = k }
    public var description: String { "\(m)x\(n)x\(k)" }
}

/// Where the cooperative-matrix product can run: the build's shader and the device's shapes and features.
enum CooperativeMatrix {
    /// The shader (Shaders/matmul_coopmat.comp), absent from builds whose compiler lacked the extension.
    static let shader = "matmul_coopmat"
    static var built: Bool { ShaderLibrary.contains(shader) }

    /// The device extensions the shader needs: the matrices, f16 arithmetic, and the Vulkan memory model
    /// glslang declares for them (the last two are core in 1.2; named here since the instance asks for 1.1).
    static let extensions = ["VK_KHR_cooperative_matrix", "VK_KHR_shader_float16_int8", "VK_KHR_vulkan_memory_model"]

    /// The f16 → f32 subgroup shapes `handle` offers, empty where it lacks an extension or feature above.
    static func shapes(
        instance: VkInstance, device handle: VkPhysicalDevice, extensions: Set<String>
    )
        -> [CooperativeMatrixShape]
    {
        guard Self.extensions.allSatisfy(extensions.contains) else { return [] }
        var features = Features()
        features.chain { chain in
            var query = VkPhysicalDeviceFeatures2()
            query.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2
            query.pNext = chain
            vkGetPhysicalDeviceFeatures2(handle, &query)
        }
        guard features.matrices.cooperativeMatrix != 0, features.float16.shaderFloat16 != 0,
            features.model.vulkanMemoryModel != 0,
            let function = unsafeBitCast(
                vkGetInstanceProcAddr(instance, "vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR"),
                to: PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR?.self)
        else { return [] }
        var count: UInt32 = 0
        guard function(handle, &count, nil) == VK_SUCCESS, count > 0, count < 1024 else { return [] }
        var blank = VkCooperativeMatrixPropertiesKHR()
        blank.sType = CVK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR
        var list = [VkCooperativeMatrixPropertiesKHR](repeating: blank, count: Int(count))
        guard function(handle, &count, &list) == VK_SUCCESS else { return [] }
        let f16 = VK_COMPONENT_TYPE_FLOAT16_KHR, f32 = VK_COMPONENT_TYPE_FLOAT32_KHR
        var shapes: [CooperativeMatrixShape] = []
        for p in list.prefix(Int(count))
        where p.AType == f16 && p.BType == f16 && p.CType == f32 && p.ResultType == f32
            && p.scope == VK_SCOPE_SUBGROUP_KHR && p.saturatingAccumulation == 0
        {
            let shape = CooperativeMatrixShape(m: Int(p.MSize), n: Int(p.NSize), k: Int(p.KSize))
            if !shapes.contains(shape) { shapes.append(shape) }
        }
        return shapes
    }

    /// The features the shader needs, as one pNext chain: queried by `shapes`, enabled (`enabled: true`) when
    /// the logical device is made for mixed precision.
    struct Features {
        var matrices = VkPhysicalDeviceCooperativeMatrixFeaturesKHR()
        var float16 = VkPhysicalDeviceShaderFloat16Int8Features()
        var model = VkPhysicalDeviceVulkanMemoryModelFeatures()

        init(enabled: Bool = false) {
            let on = VkBool32(enabled ? VK_TRUE : VK_FALSE)
            matrices.sType = CVK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR
            matrices.cooperativeMatrix = on
            float16.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES
            float16.shaderFloat16 = on
            model.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_MEMORY_MODEL_FEATURES
            model.vulkanMemoryModel = on
        }

        /// Calls `body` with the chain's head (matrices → f16 → memory model), valid only during the call.
        mutating func chain<R>(_ body: (UnsafeMutableRawPointer) -> R) -> R {
            withUnsafeMutablePointer(to: &model) { modelPtr in
                float16.pNext = UnsafeMutableRawPointer(modelPtr)
                return withUnsafeMutablePointer(to: &float16) { float16Ptr in
                    matrices.pNext = UnsafeMutableRawPointer(float16Ptr)
                    return withUnsafeMutablePointer(to: &matrices) { body(UnsafeMutableRawPointer($0)) }
                }
            }
        }
    }

    /// The shape the product uses: 16×16×16 where offered (the f16 shape of NVIDIA's and AMD's drivers),
    /// else the one with the largest tile whose sides fit the shared-memory block (at most 32).
    static func choose(_ shapes: [CooperativeMatrixShape]) -> CooperativeMatrixShape? {
        if let square = shapes.first(where: { $0 == CooperativeMatrixShape(m: 16, n: 16, k: 16) }) { return square }
        return shapes.filter { $0.m <= 32 && $0.n <= 32 && $0.k <= 32 && $0.m > 0 && $0.n > 0 && $0.k > 0 }
            .max { ($0.m * $0.n, $0.k) < ($1.m * $1.n, $1.k) }
    }

    /// The block layout (see matmul_coopmat.comp): 2×2 subgroups, each 2×2 result tiles, slabs two steps deep.
    static let subgroupsM = 2, subgroupsN = 2, tilesM = 2, tilesN = 2, kSteps = 2

    /// Shared memory the block needs with `shape`: the f16 slabs of A and B and the f32 block of C.
    static func sharedBytes(_ shape: CooperativeMatrixShape) -> Int {
        let bm = subgroupsM * tilesM * shape.m, bn = subgroupsN * tilesN * shape.n, bk = kSteps * shape.k
        return 2 * (bm * bk + bk * bn) + 4 * bm * bn
    }
}

import ArgumentParser
import VAE
import VAECPU
import VAECompute
import VAEVulkan

/// `vae devices`: every backend and Vulkan device, and which one `--device auto` picks.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "List compute devices and the one `auto` picks.")

    func run() throws {
        let vulkan = VulkanDevice.devices()
        let auto = DeviceSpecifier.automaticChoice(among: vulkan)
        let cpu = CPUDevice(mode: .fast).info
        print("cpu         \(cpu.name)\(auto == .cpu ? "   <- auto" : "")")
        print("            \(cpu.details["blas"] ?? ""), \(cpu.details["threads"] ?? "?") threads")
        print("            matrix products: \(cpu.details["gemm"] ?? "?")")
        if vulkan.isEmpty { print("vulkan      none (no Vulkan driver or device found)") }
        for d in vulkan {
            let index = d.details["index"] ?? "?"
            let chosen = auto == .vulkanIndex(Int(index) ?? -1)
            print("vulkan:\(index)    \(d.name)\(chosen ? "   <- auto" : "")")
            print(
                "            \(d.kind.rawValue), \(d.memoryBytes >> 20) MiB, subgroup \(d.subgroupSize), Vulkan \(d.details["api"] ?? "?")"
                    + (d.details["computeUnits"].flatMap(Int.init).map { ", \($0) compute units" } ?? "")
                    + (d.kind == .cpu ? " (CPU emulation: only when asked for by name or index)" : ""))
            if let driver = d.details["driver"], driver != "unknown" { print("            driver \(driver)") }
            // Where `--precision mixed` can run (f16 cooperative matrices), and on which shapes.
            if let shapes = d.details["cooperativeMatrix"], shapes != "none" {
                print(
                    "            cooperative matrices f16->f32 \(shapes)"
                        + (VulkanDevice.mixedPrecisionBuilt ? "" : " (not in this build)"))
            }
        }
    }
}

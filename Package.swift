// swift-tools-version:6.0
import PackageDescription

// Layers, one way: vae (CLI) → VAE (model, training, data, IO) → VAECompute (the device contract)
// ← VAECPU, VAEVulkan (backends) → C shims (CVulkan, COpenBLAS). VAEKernels holds the SPIR-V built
// from Shaders/ by the CompileShaders plugin.
let package = Package(
    name: "VulkanVAE",
    products: [
        .executable(name: "vae", targets: ["vae"]),
        .library(name: "VAECompute", targets: ["VAECompute", "VAECPU", "VAEVulkan"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // MARK: - C shims (headers and link lines only, no Swift API)
        .systemLibrary(name: "CVulkan", path: "Sources/CVulkan"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),

        // MARK: - Build-time shader compilation
        .plugin(name: "CompileShaders", capability: .buildTool(), path: "Plugins/CompileShaders",
                exclude: ["compile-shaders.sh"]),
        .target(name: "VAEKernels", plugins: ["CompileShaders"]),

        // MARK: - Compute core
        .target(name: "VAECompute"),
        .target(name: "VAECPU", dependencies: ["VAECompute", "COpenBLAS"]),
        .target(name: "VAEVulkan", dependencies: ["VAECompute", "VAEKernels", "CVulkan"]),

        // MARK: - The VAE: model, training, data, files
        .target(name: "VAE", dependencies: ["VAECompute", "VAECPU", "VAEVulkan", "CZlib"]),

        // MARK: - Command-line tool
        .executableTarget(name: "vae", dependencies: [
            "VAE", "VAECompute", "VAECPU", "VAEVulkan",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        // MARK: - Tests
        .testTarget(name: "KernelTests", dependencies: ["VAECompute", "VAECPU", "VAEVulkan"]),
        .testTarget(name: "VAETests", dependencies: ["VAE", "VAECompute", "VAECPU", "VAEVulkan"]),
        .testTarget(name: "CLITests", dependencies: ["vae", "VAE"]),
    ]
)

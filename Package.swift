// swift-tools-version:6.1
import PackageDescription

// VAE_STATIC_LINK=1 links OpenBLAS and zlib statically (scripts/build-portable.sh), so a binary built with
// --static-swift-stdlib needs only libc, libm, libstdc++, libgcc_s and the Vulkan loader on the target.
let staticLink = Context.environment["VAE_STATIC_LINK"] == "1"
func systemLibrary(_ name: String) -> LinkerSetting {
    staticLink ? .unsafeFlags(["-Xlinker", "-l:lib\(name).a"]) : .linkedLibrary(name)
}

// Layers, one way: vae (CLI) → VAE (model, training, data, IO) → VAEFormats (file formats) → VAECompute (the device contract)
// ← VAECPU, VAEVulkan (backends) → C shims (CVulkan, COpenBLAS) and CKernels. VAEKernels holds the SPIR-V built
// from Shaders/ by the CompileShaders plugin. VAESelfTest (the kernel cases against the reference) sits beside VAE: the CLI's
// `vae selftest` and the kernel tests share it.
let package = Package(
    name: "VulkanVAE",
    products: [
        .executable(name: "vae", targets: ["vae"]),
        .library(name: "VAECompute", targets: ["VAECompute", "VAECPU", "VAEVulkan"]),
    ],
    // MPI: data-parallel training over Open MPI (`swift build --traits MPI`; needs libopenmpi-dev). Off by
    // default, so the default build and the quick start need no MPI installation.
    traits: [.trait(name: "MPI", description: "Data-parallel training over MPI (Open MPI's libmpi).")],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // MARK: - C shims (headers and link lines only, no Swift API)
        .systemLibrary(name: "CVulkan", path: "Sources/CVulkan"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .systemLibrary(name: "CPNG", path: "Sources/CPNG"),
        .systemLibrary(name: "CTurboJPEG", path: "Sources/CTurboJPEG"),
        .systemLibrary(name: "CMinizip", path: "Sources/CMinizip"),
        .systemLibrary(
            name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),

        // MARK: - Hand-vectorized CPU kernels (C: AVX-512 and AVX2 chosen at run time)
        // Optimized in debug builds too, so the debug test suite runs the code that ships at a usable speed.
        // Never built for ThreadSanitizer: the runtime CPU dispatch (ifunc resolvers of target_clones) runs while
        // the dynamic loader relocates, before TSan's runtime exists, and instrumented resolvers crash there.
        // The kernels share no state; the worker pool that drives them is Swift and stays instrumented.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3", "-fno-math-errno", "-fno-sanitize=thread"])]),

        // MARK: - Process control for the CLI (signal handlers that only set a flag)
        .target(name: "CSignals"),

        // MARK: - Build-time shader compilation
        .plugin(
            name: "CompileShaders", capability: .buildTool(), path: "Plugins/CompileShaders",
            exclude: ["compile-shaders.sh"]),
        .target(name: "VAEKernels", plugins: ["CompileShaders"]),

        // MARK: - Build-time version stamp (git describe), for `vae --version` and run records
        .plugin(
            name: "StampVersion", capability: .buildTool(), path: "Plugins/StampVersion",
            exclude: ["stamp-version.sh"]),
        .target(name: "VAEBuildInfo", plugins: ["StampVersion"]),

        // MARK: - Compute core
        .target(name: "VAECompute"),
        .target(
            name: "VAECPU", dependencies: ["VAECompute", "COpenBLAS", "CKernels"],
            linkerSettings: [systemLibrary("openblas")] + (staticLink ? [.linkedLibrary("pthread")] : [])),
        .target(name: "VAEVulkan", dependencies: ["VAECompute", "VAEKernels", "CVulkan"]),

        // MARK: - The kernel equivalence sweep: every case against the reference (`vae selftest` and the tests)
        .target(name: "VAESelfTest", dependencies: ["VAECompute", "VAECPU", "VAEVulkan"]),

        // MARK: - File formats (safetensors, IDX, gzip, PNG, JPEG, CIFAR, NumPy, metrics CSV): no devices, so fuzz
        // targets build them alone. minizip comes before zlib, which it uses, for the static link.
        .target(
            name: "VAEFormats", dependencies: ["VAECompute", "CZlib", "CPNG", "CTurboJPEG", "CMinizip"],
            linkerSettings: [
                systemLibrary("minizip"), systemLibrary("png16"), systemLibrary("turbojpeg"), systemLibrary("z"),
            ]),

        // MARK: - The VAE: model, training, data, files
        .target(
            name: "VAE",
            dependencies: [
                "VAECompute", "VAECPU", "VAEVulkan", "VAEFormats",
                .target(name: "CMPI", condition: .when(traits: ["MPI"])),
            ]),

        // MARK: - TensorBoard event files (the run's scalars and pictures for `tensorboard --logdir`)
        // The messages of Protos/tensorboard_event.proto, generated by protoc-c (scripts/generate-protos.sh) and
        // committed; the protobuf-c runtime encodes them.
        .target(name: "CTensorBoardEvent", linkerSettings: [systemLibrary("protobuf-c")]),
        .target(name: "VAETensorBoard", dependencies: ["VAEFormats", "CTensorBoardEvent"]),

        // MARK: - Command-line tool
        .executableTarget(
            name: "vae",
            dependencies: [
                "VAE", "VAECompute", "VAECPU", "VAEVulkan", "VAESelfTest", "VAEBuildInfo", "VAETensorBoard", "CSignals",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: - Tests
        // Scratch folders, and what the Vulkan device under test can do (tests ask by capability, never by name).
        .target(name: "TestSupport", dependencies: ["VAECompute", "VAEVulkan"], path: "Tests/TestSupport"),
        .testTarget(
            name: "KernelTests", dependencies: ["VAECompute", "VAECPU", "VAEVulkan", "VAESelfTest", "TestSupport"]),
        .testTarget(
            name: "VAETests",
            dependencies: ["VAE", "VAEFormats", "VAECompute", "VAECPU", "VAEVulkan", "CMinizip", "TestSupport"],
            exclude: ["Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["vae", "VAE", "VAECompute", "CMinizip", "TestSupport"]),
        .testTarget(name: "TensorBoardTests", dependencies: ["VAETensorBoard", "VAEFormats", "TestSupport"]),
    ]
)

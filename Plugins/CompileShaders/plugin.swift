import Foundation
import PackagePlugin

/// Compiles every GLSL compute shader of a target (`*.comp`, with `*.glsl` files as shared includes) to
/// SPIR-V with `glslc` and embeds the results in one generated Swift file as base64 string literals.
///
/// Why one command for all shaders: its input list is the full set of shader files, so SwiftPM re-runs it
/// when a shader is edited, added or deleted, and the generated registry never names a deleted kernel.
/// Why base64: a `[UInt32]` array literal of tens of thousands of words takes the Swift compiler seconds
/// and gigabytes; a string literal compiles in a tenth of a second.
@main
struct CompileShaders: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let module = target as? SourceModuleTarget else { return [] }
        let shaders = module.sourceFiles(withSuffix: "comp").map(\.url).sorted { $0.path < $1.path }
        let includes = module.sourceFiles(withSuffix: "glsl").map(\.url).sorted { $0.path < $1.path }
        guard !shaders.isEmpty else { return [] }

        // context.tool(named:) only sees the plugin's own dependencies on Linux, so find glslc on PATH.
        guard let glslc = Self.findOnPath("glslc") else {
            Diagnostics.error(
                "glslc not found on PATH: install shaderc's compiler (Debian/Ubuntu: apt-get install glslc)")
            return []
        }
        // Shaders that use GL_KHR_cooperative_matrix need a newer compiler than Debian 12's glslc: glslang 13,
        // which scripts/fetch-glslang.sh puts here. Without it those shaders are left out of the build.
        let coopmat = context.package.directoryURL.appending(path: ".build-tools/glslang/glslang")
        let coopmatCompiler = FileManager.default.isExecutableFile(atPath: coopmat.path) ? coopmat : nil
        let script = context.package.directoryURL.appending(path: "Plugins/CompileShaders/compile-shaders.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedShaders.swift")
        let includeDirs = Set(includes.map { $0.deletingLastPathComponent().path }).sorted()
        var arguments = [
            script.path, glslc.path, coopmatCompiler?.path ?? "", output.path, context.pluginWorkDirectoryURL.path,
        ]
        arguments += includeDirs.flatMap { ["-I", $0] }
        arguments.append("--")
        arguments += shaders.map(\.path)
        return [
            .buildCommand(
                displayName: "Compiling \(shaders.count) GLSL compute shaders to SPIR-V",
                executable: URL(filePath: "/bin/sh"),
                arguments: arguments,
                inputFiles: shaders + includes + [script, glslc] + (coopmatCompiler.map { [$0] } ?? []),
                outputFiles: [output])
        ]
    }

    static func findOnPath(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") {
            let candidate = URL(filePath: String(dir)).appending(path: name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return nil
    }
}

import Foundation
import PackagePlugin

/// Writes the package's `git describe` into a generated Swift file at build time, so `vae --version` says
/// which commit it was built from. Re-runs when the checkout's HEAD or index changes (a commit, a checkout,
/// staged changes); outside a git checkout the version reads "unknown".
@main
struct StampVersion: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let package = context.package.directoryURL
        let script = package.appending(path: "Plugins/StampVersion/stamp-version.sh")
        let output = context.pluginWorkDirectoryURL.appending(path: "GeneratedVersion.swift")
        let gitFiles = [".git/HEAD", ".git/index"].map { package.appending(path: $0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
        return [
            .buildCommand(
                displayName: "Stamping the version from git describe",
                executable: URL(filePath: "/bin/sh"),
                arguments: [script.path, package.path, output.path],
                inputFiles: [script] + gitFiles,
                outputFiles: [output])
        ]
    }
}

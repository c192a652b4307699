import ArgumentParser
import Foundation
import VAE
import VAESelfTest
import VAEVulkan

/// `vae selftest`: every kernel of a device against the CPU reference.
struct SelfTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "selftest",
        abstract: "Check that a device computes every kernel right, against the CPU reference.",
        discussion: """
            Runs every kernel case of the test suite (products, convolutions, batch norm, activations, the \
            latent and loss kernels, Adam, reductions, gathers; odd and realistic shapes, NaN-filled outputs \
            that must be written, sentinels around them) on the device and compares each output with the \
            double-precision reference within the case's stated tolerance. On Vulkan it also runs the device \
            with device-local memory behind staging copies and shared-memory reductions, and each matmul \
            variant (all but the first configuration skipped with --quick); on the CPU, each matrix engine. \
            Prints one line per kernel family with its worst error as a fraction of its tolerance, then \
            "N passed, M failed"; exits with status 1 when any case fails.
            """)

    @OptionGroup var deviceOptions: DeviceOptions
    @Flag(help: "Only the device as it runs (no staging, reduction or matmul variants).") var quick = false
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Only these kernel families, comma-separated (matmul,conv2d,row_sum,…; default all).")
    var families: String?

    func run() throws {
        try reportingErrors { try selftest() }
    }

    func selftest() throws {
        let spec = try DeviceSpecifier(parsing: deviceOptions.device)
        if spec == .cpuReference {
            throw ConfigurationError("--device cpu-reference is the reference itself: test cpu or a Vulkan device")
        }
        // The mixed-precision configuration joins by itself wherever the device has cooperative matrices;
        // asking for it where there are none is an error, not a sweep that quietly leaves it out.
        if deviceOptions.precision == .mixed {
            guard let selection = spec.vulkanSelection, VulkanDevice.mixedPrecisionShape(selection) != nil else {
                _ = try spec.open(precision: .mixed)  // throws the reason
                throw ConfigurationError("--precision mixed: the device offers no cooperative matrices")
            }
        }
        // A malformed VAE_VULKAN_PLAN_AS is one line before any work, not a failure of every case.
        _ = try PlanningProfile.fromEnvironment(ProcessInfo.processInfo.environment)
        let configurations =
            spec.vulkanSelection.map {
                SelfTest.vulkanConfigurations(
                    $0, validation: deviceOptions.validate, quick: quick,
                    pipelineCache: DeviceSpecifier.pipelineCacheDirectory)
            } ?? SelfTest.cpuConfigurations(quick: quick)
        let cases = try Self.cases(families)
        let progress = CountProgress("selftest", unit: "cases")
        let start = Date()
        let report = try SelfTest.run(configurations, cases: cases) { progress.update($0, $1) }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        if json {
            try printJSON(report, seconds: seconds)
        } else {
            printTable(report, seconds: seconds)
        }
        if report.failed > 0 {
            throw RunError("selftest: \(report.failed) of \(report.outcomes.count) runs failed on \(report.device)")
        }
    }

    /// The cases of the families `list` names (all for nil); an unknown name is an error that lists them.
    static func cases(_ list: String?) throws -> [KernelCase] {
        let all = SelfTest.cases
        guard let list else { return all }
        var known: [String] = []
        for c in all where !known.contains(c.family) { known.append(c.family) }
        let asked = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !asked.isEmpty else {
            throw ConfigurationError("--families needs at least one family: \(known.joined(separator: ", "))")
        }
        if let unknown = asked.first(where: { !known.contains($0) }) {
            throw ConfigurationError(
                "--families: no kernel family '\(unknown)'; the families are \(known.joined(separator: ", "))")
        }
        return all.filter { asked.contains($0.family) }
    }

    /// A ratio for people: "0.031", or "inf".
    static func ratio(_ r: Double) -> String { r.isFinite ? String(format: "%.3g", r) : "inf" }

    func printTable(_ report: SelfTest.Report, seconds: Double) {
        print("selftest of \(report.device): \(report.configurations.joined(separator: "; "))")
        for f in report.families {
            let padded = f.family.padding(toLength: max(f.family.count, 26), withPad: " ", startingAt: 0)
            print(
                "  \(padded) \(String(format: "%5d", f.runs)) runs  \(f.failed == 0 ? "ok    " : "FAILED")  worst error \(Self.ratio(f.worstRatio)) of the tolerance"
            )
        }
        for o in report.failures.prefix(20) {
            print("  failed: \(o.name) on \(o.device): \(o.problems.joined(separator: "; "))")
        }
        if report.failures.count > 20 { print("  … and \(report.failures.count - 20) more failures") }
        print(String(format: "%d passed, %d failed (%.1f s)", report.passed, report.failed, seconds))
    }

    func printJSON(_ report: SelfTest.Report, seconds: Double) throws {
        func number(_ r: Double) -> Any { r.isFinite ? r : NSNull() }
        let object: [String: Any] = [
            "device": report.device, "configurations": report.configurations, "passed": report.passed,
            "failed": report.failed, "seconds": seconds,
            "families": report.families.map {
                [
                    "family": $0.family, "runs": $0.runs, "failed": $0.failed, "worst_ratio": number($0.worstRatio),
                    "worst_case": $0.worstCase,
                ] as [String: Any]
            },
            "failures": report.failures.map {
                ["case": $0.name, "configuration": $0.device, "problems": $0.problems] as [String: Any]
            },
        ]
        let data = try JSONSerialization.data(
            withJSONObject: object, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }
}

import Foundation
import VAE
import VAECPU
import VAECompute

/// `vae bench --what allreduce`: the bare gradient sum of a data-parallel step, without training around it.
extension BenchCommand {
    /// What one data-parallel step sums, timed alone between ranks that have just met at a barrier (so no
    /// rank waits for a slower one's step, which the training run's own figure includes).
    struct AllreduceMeasurement {
        var rank: Int, ranks: Int, floats: Int
        /// The slowest rank's time of each repetition, sorted.
        var seconds: [Double]
        var median: Double { seconds[seconds.count / 2] }
        var bytes: Int { floats * MemoryLayout<Float>.size }
    }

    /// Sums a buffer the size of `architecture`'s gradients (its default model) `repetitions` times over the
    /// ranks `mpirun` started; every rank must call it. Throws when this process is not one of several ranks.
    func measureAllreduce(_ architecture: Architecture) throws -> AllreduceMeasurement {
        let ranks = try MPILaunch.communicator("auto")
        guard ranks.size > 1 else {
            throw ConfigurationError(
                "--what allreduce times the gradient sum between ranks: start it under mpirun (e.g. `mpirun -np 2 vae bench --what allreduce`) with a vae built with --traits MPI"
            )
        }
        let side = architecture == .conv64 ? 64 : 28, channels = architecture == .conv64 ? 3 : 1
        let configuration = VAEConfiguration(
            architecture: architecture, inputSize: channels * side * side, imageChannels: channels, imageHeight: side,
            imageWidth: side)
        let floats = try VAEModel(configuration, device: CPUDevice(mode: .fast, threads: 1), seed: 1).parameterCount
        var buffer = [Float](repeating: 1, count: floats)
        var seconds: [Double] = []
        for repetition in 0..<(repetitions + 3) {
            try ranks.barrier()
            let start = Date()
            try ranks.allreduceSum(&buffer)
            if repetition >= 3 { seconds.append(Date().timeIntervalSince(start)) }  // three to warm up
        }
        try ranks.allreduceMax(&seconds)
        return AllreduceMeasurement(rank: ranks.rank, ranks: ranks.size, floats: floats, seconds: seconds.sorted())
    }

    /// Runs `--what allreduce` (alone): rank 0 prints, the others only take part.
    func benchAllreduce() throws {
        guard let architecture = Architecture(rawValue: arch) else {
            throw ConfigurationError(
                "--arch must be one of \(Architecture.allCases.map(\.rawValue).joined(separator: ", ")), got '\(arch)'")
        }
        let m = try measureAllreduce(architecture)
        guard m.rank == 0 else { return }
        let rate = Double(m.bytes) / m.median / 1e9
        if json {
            let report: [String: Any] = [
                "allreduce": [
                    "ranks": m.ranks, "model": arch, "floats": m.floats, "bytes": m.bytes,
                    "median_milliseconds": m.median * 1e3, "min_milliseconds": m.seconds[0] * 1e3,
                    "max_milliseconds": m.seconds[m.seconds.count - 1] * 1e3, "gbytes_per_second": rate,
                    "repetitions": m.seconds.count,
                ]
            ]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(
                String(
                    format:
                        "allreduce of %@'s gradients (%@, %d floats) over %d ranks: median %.3f ms (%.3f–%.3f), %.1f GB/s",
                    arch as NSString, MemoryBudget.describe(m.bytes) as NSString, m.floats, m.ranks, m.median * 1e3,
                    m.seconds[0] * 1e3, m.seconds[m.seconds.count - 1] * 1e3, rate))
        }
    }
}

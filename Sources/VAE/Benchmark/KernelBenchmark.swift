import Foundation
import VAECompute

/// One kernel's measured speed.
public struct KernelMeasurement: Sendable {
    public var name: String
    public var shape: String
    /// Median time per launch.
    public var seconds: Double
    public var flops: Int
    public var bytes: Int
    public var gflops: Double { Double(flops) / seconds / 1e9 }
    public var gbytesPerSecond: Double { Double(bytes) / seconds / 1e9 }
}

/// Times the kernels of a training step of the reference model (batch 128, 784-400-20) one by one.
///
/// The device must be made with profiling on: Vulkan devices then time launches with GPU timestamps,
/// the CPU backend with the wall clock. Each kernel runs `repetitions` times back to back (each launch rewrites its output, so on Vulkan a
/// barrier separates them and they do not overlap); the figure is the median.
public enum KernelBenchmark {
    public struct Case {
        public var name: String
        public var shape: String
        var make: (any ComputeDevice) throws -> Kernel
        var bytes: Int
    }

    static func rand(_ d: any ComputeDevice, _ shape: [Int], seed: UInt64) throws -> Tensor {
        try d.tensor(VAEModel.uniform(count: shape.reduce(1, *), bound: 1, seed: seed, stream: 0), shape: shape)
    }

    /// matmul op(A)·op(B) with op(A) M×K and op(B) K×N.
    public static func matmul(
        _ m: Int, _ n: Int, _ k: Int, transposeA: Bool, transposeB: Bool, bias: Bool = false,
        activation: Activation = .identity, label: String = ""
    ) -> Case {
        Case(
            name: "matmul \(transposeA ? "T" : "N")\(transposeB ? "T" : "N")" + (bias ? "+bias" : "")
                + (activation != .identity ? "+\(activation)" : ""),
            shape: "\(m)×\(n)×\(k)" + (label.isEmpty ? "" : " (\(label))"),
            make: { d in
                let a = try rand(d, transposeA ? [k, m] : [m, k], seed: 1),
                    b = try rand(d, transposeB ? [n, k] : [k, n], seed: 2)
                return .matmul(
                    a: a, b: b, c: try d.zeros([m, n]), transposeA: transposeA, transposeB: transposeB,
                    bias: bias ? try rand(d, [n], seed: 3) : nil, activation: activation, accumulate: false)
            }, bytes: 4 * (m * k + k * n + m * n))
    }

    /// The kernels of one training step of the reference model, in the order the step runs them.
    public static var trainingStep: [Case] {
        let b = 128, d = 784, h = 400, z = 20
        func elementwise(
            _ name: String, _ count: Int, arrays: Int, _ make: @escaping (any ComputeDevice) throws -> Kernel
        ) -> Case {
            Case(name: name, shape: "\(count)", make: make, bytes: 4 * count * arrays)
        }
        return [
            Case(
                name: "gather_rows uint8", shape: "\(b)×\(d)",
                make: { dev in
                    let src = try dev.makeTensor(shape: [60_000, d], elementType: .uint8)
                    let idx = try dev.makeTensor(shape: [b], elementType: .uint32)
                    try dev.upload((0..<UInt32(b)).map { $0 * 400 }, to: idx)
                    return .gatherRows(src: src, indices: idx, first: 0, dst: try dev.zeros([b, d]), scale: 1 / 255)
                }, bytes: b * d * 5),
            matmul(b, h, d, transposeA: false, transposeB: true, bias: true, activation: .relu, label: "fc1"),
            matmul(b, 2 * z, h, transposeA: false, transposeB: true, bias: true, label: "fc21 and fc22"),
            Case(
                name: "reparameterize", shape: "\(b)×\(z)",
                make: { dev in
                    let s = try dev.makeTensor(shape: [2], elementType: .uint32)
                    try dev.upload([1, 0] as [UInt32], to: s)
                    return .reparameterize(
                        posterior: try rand(dev, [b, 2 * z], seed: 4), eps: try dev.zeros([b, z]),
                        z: try dev.zeros([b, z]), schedule: s, seed: 1, stream: 0)
                }, bytes: 4 * b * z * 4),
            matmul(b, h, z, transposeA: false, transposeB: true, bias: true, activation: .relu, label: "fc3"),
            matmul(b, d, h, transposeA: false, transposeB: true, bias: true, label: "fc4"),
            elementwise("bernoulli_nll", b * d, arrays: 2) { dev in
                .bernoulliNLL(
                    logits: try rand(dev, [b, d], seed: 6), target: try rand(dev, [b, d], seed: 7),
                    out: try dev.zeros([b]))
            },
            elementwise("bernoulli_nll_backward", b * d, arrays: 3) { dev in
                .bernoulliNLLBackward(
                    logits: try rand(dev, [b, d], seed: 6), target: try rand(dev, [b, d], seed: 7),
                    dlogits: try dev.zeros([b, d]), scale: 1)
            },
            matmul(d, h, b, transposeA: true, transposeB: false, label: "fc4 dW"),
            elementwise("column_sum", b * d, arrays: 1) { dev in
                .columnSum(x: try rand(dev, [b, d], seed: 8), out: try dev.zeros([d]), accumulate: false)
            },
            matmul(b, h, d, transposeA: false, transposeB: false, label: "fc4 dX"),
            elementwise("activation_backward relu", b * h, arrays: 3) { dev in
                .activationBackward(
                    .relu, y: try rand(dev, [b, h], seed: 9), dy: try rand(dev, [b, h], seed: 10),
                    dx: try dev.zeros([b, h]))
            },
            matmul(h, z, b, transposeA: true, transposeB: false, label: "fc3 dW"),
            matmul(b, z, h, transposeA: false, transposeB: false, label: "fc3 dX"),
            matmul(2 * z, h, b, transposeA: true, transposeB: false, label: "fc21 and fc22 dW"),
            matmul(b, h, 2 * z, transposeA: false, transposeB: false, label: "fc21 and fc22 dX"),
            matmul(h, d, b, transposeA: true, transposeB: false, label: "fc1 dW"),
            elementwise("adam", h * d, arrays: 5) { dev in
                let s = try dev.makeTensor(shape: [2], elementType: .uint32)
                try dev.upload([1, Float(1e-3).bitPattern], to: s)
                return .adam(
                    parameter: try rand(dev, [h, d], seed: 11), gradient: try rand(dev, [h, d], seed: 12),
                    m: try dev.zeros([h, d]),
                    v: try dev.zeros([h, d]), schedule: s, beta1: 0.9, beta2: 0.999, epsilon: 1e-8)
            },
        ]
    }

    /// Runs each case on `device`.
    public static func run(
        _ cases: [Case], on device: any ComputeDevice, repetitions: Int = 20
    ) throws -> [KernelMeasurement] {
        // Warm up for ~0.2 s first: the first few hundred milliseconds of a process run slower (threads
        // not yet spread over the cores, clocks ramping), which skewed the first kernels measured.
        if let first = cases.first {
            let kernel = try first.make(device)
            let start = Date()
            while Date().timeIntervalSince(start) < 0.2 { try device.launch(kernel); try device.synchronize() }
            _ = device.takeProfile()
        }
        return try cases.map { c in
            let kernel = try c.make(device)
            try device.launch(kernel)  // warm-up: pipelines, caches
            try device.synchronize()
            _ = device.takeProfile()
            for _ in 0..<repetitions { try device.launch(kernel) }
            try device.synchronize()
            let times = device.takeProfile().map { $0.nanoseconds / 1e9 }.sorted()
            guard !times.isEmpty else { throw ConfigurationError("the device was not made with profiling on") }
            return KernelMeasurement(
                name: c.name, shape: c.shape, seconds: times[times.count / 2], flops: kernel.flops, bytes: c.bytes)
        }
    }
}

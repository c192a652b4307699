import Foundation
import VAECPU
import VAECompute

public enum UtilityCases {
    public static var all: [KernelCase] {
        var cases: [KernelCase] = []
        for (rows, cols, batch, first) in [(1, 1, 1, 0), (10, 7, 3, 2), (60, 784, 128, 5), (300, 5, 257, 0)] {
            let indices = HostTensor(
                [batch + first],
                .words(SeededRandom.words(count: batch + first, seed: UInt64(batch)).map { $0 % UInt32(rows) }))
            let floats = HostTensor.uniform([rows, cols], seed: UInt64(rows))
            cases.append(
                KernelCase(
                    "gather_rows float \(rows)x\(cols) batch \(batch) from \(first)", inputs: [floats, indices],
                    outputs: [.unwritten([batch, cols])], tolerance: .within(0, relative: 1e-7)
                ) { i, o in
                    .gatherRows(src: i[0], indices: i[1], first: first, dst: o[0], scale: 2)
                })
            let bytes = HostTensor(
                [rows, cols], .bytes(SeededRandom.words(count: rows * cols, seed: 3).map { UInt8($0 & 0xFF) }))
            cases.append(
                KernelCase(
                    "gather_rows uint8 \(rows)x\(cols) batch \(batch) from \(first)", inputs: [bytes, indices],
                    outputs: [.unwritten([batch, cols])], tolerance: .within(0, relative: 1e-7)
                ) { i, o in
                    .gatherRows(src: i[0], indices: i[1], first: first, dst: o[0], scale: 1 / 255)
                })
        }
        // A dataset in shards: one launch per shard fills the rows it holds (together, every row), and a
        // single shard's launch leaves the other rows as they were.
        for (rows, cols, batch, split) in [(10, 7, 16, 4), (300, 5, 257, 123), (60, 784, 128, 59)] {
            let indices = HostTensor(
                [batch], .words(SeededRandom.words(count: batch, seed: UInt64(rows)).map { $0 % UInt32(rows) }))
            let bytes = SeededRandom.words(count: rows * cols, seed: 5).map { UInt8($0 & 0xFF) }
            let low = HostTensor([split, cols], .bytes(Array(bytes[0..<(split * cols)])))
            let high = HostTensor([rows - split, cols], .bytes(Array(bytes[(split * cols)...])))
            cases.append(
                KernelCase(
                    "gather_rows uint8 \(rows)x\(cols) in shards of \(split) and \(rows - split), batch \(batch)",
                    inputs: [low, high, indices], outputs: [.unwritten([batch, cols])],
                    tolerance: .within(0, relative: 1e-7)
                ) { i, o in
                    [
                        .gatherRows(src: i[0], indices: i[2], first: 0, dst: o[0], scale: 1 / 255, shard: 0),
                        .gatherRows(src: i[1], indices: i[2], first: 0, dst: o[0], scale: 1 / 255, shard: split),
                    ]
                })
            cases.append(
                KernelCase(
                    "gather_rows uint8 \(rows)x\(cols) one shard from \(split), batch \(batch)",
                    inputs: [high, indices], outputs: [.uniform([batch, cols], seed: 11)],
                    tolerance: .within(0, relative: 1e-7)
                ) { i, o in
                    .gatherRows(src: i[0], indices: i[1], first: 0, dst: o[0], scale: 1 / 255, shard: split)
                })
        }
        // The gather a replayed step makes: its first index from the device's step counter. Step base + 2 of
        // minibatches of `batch` starts at 2·batch; a step past the indices leaves the output as it was.
        for (rows, cols, batch, steps, shard) in [(60, 784, 128, 3, nil), (10, 7, 16, 2, 4), (300, 5, 1, 301, nil)]
            as [(Int, Int, Int, Int, Int?)]
        {
            let count = batch * steps + batch / 2
            let indices = HostTensor(
                [count], .words(SeededRandom.words(count: count, seed: UInt64(rows + 1)).map { $0 % UInt32(rows) }))
            let bytes = SeededRandom.words(count: rows * cols, seed: 6).map { UInt8($0 & 0xFF) }
            let base = 1000
            for step in [base, base + steps - 1, base + steps] {
                let schedule = HostTensor([2], .words([UInt32(step), Float(1e-3).bitPattern]))
                let split = shard ?? 0
                let src = HostTensor([rows - split, cols], .bytes(Array(bytes[(split * cols)...])))
                cases.append(
                    KernelCase(
                        "gather_rows_at_step uint8 \(rows)x\(cols) batch \(batch), step \(step - base) of \(steps)"
                            + (shard.map { " shard from \($0)" } ?? ""),
                        inputs: [src, indices, schedule], outputs: [.uniform([batch, cols], seed: 12)],
                        tolerance: .within(0, relative: 1e-7)
                    ) { i, o in
                        .gatherRowsAtStep(
                            src: i[0], indices: i[1], schedule: i[2], stepBase: base, dst: o[0], scale: 1 / 255,
                            shard: shard)
                    })
            }
        }
        for n in elementCounts {
            let x = HostTensor.uniform([n], seed: UInt64(n))
            for (a, b): (Float, Float) in [(2, 0), (0.5, -1.5)] {
                cases.append(
                    KernelCase(
                        "axpby n=\(n) a=\(a) b=\(b)", inputs: [x],
                        outputs: [b == 0 ? .unwritten([n]) : .uniform([n], seed: 8)],
                        tolerance: .within(1e-7, relative: 1e-6)
                    ) { i, o in .axpby(x: i[0], y: o[0], a: a, b: b) })
            }
            cases.append(
                KernelCase("fill n=\(n)", inputs: [], outputs: [.unwritten([n])], tolerance: .exact) { _, o in
                    .fill(x: o[0], value: -0.75)
                })
            cases.append(
                KernelCase("copy float n=\(n)", inputs: [x], outputs: [.unwritten([n])], tolerance: .exact) { i, o in
                    .copy(src: i[0], dst: o[0])
                })
            cases.append(
                KernelCase(
                    "copy uint32 n=\(n)", inputs: [HostTensor([n], .words(SeededRandom.words(count: n, seed: 1)))],
                    outputs: [HostTensor([n], .words([UInt32](repeating: 0, count: n)))], tolerance: .exact
                ) { i, o in
                    .copy(src: i[0], dst: o[0])
                })
            cases.append(
                KernelCase(
                    "clamp n=\(n)", inputs: [], outputs: [.uniform([n], -20, 20, seed: UInt64(n))], tolerance: .exact
                ) { _, o in
                    .clamp(x: o[0], lower: -8, upper: 6)
                })
            cases.append(
                KernelCase(
                    "random_bits n=\(n)", inputs: [],
                    outputs: [HostTensor([n], .words([UInt32](repeating: 0, count: n)))],
                    tolerance: .exact
                ) { _, o in
                    .randomBits(out: o[0], counter: SIMD4(0xFFFF_FFF0, 1, 2, 3), key: SIMD2(0xDEAD_BEEF, 7))
                })
        }
        for n in elementCounts {
            // Grey levels on the 1/255 grid, as the trainer feeds them; uniforms are 24-bit on both sides, so
            // the comparison is exact.
            let pixels = HostTensor(
                [n], .floats(SeededRandom.words(count: n, seed: UInt64(n)).map { Float($0 % 256) / 255 }))
            cases.append(
                KernelCase(
                    "sample_bernoulli n=\(n)", inputs: [LatentCases.schedule(step: 3)], outputs: [pixels],
                    tolerance: .exact
                ) { i, o in .sampleBernoulli(x: o[0], schedule: i[0], seed: 77, stream: 5) })
            for offset in [3, 784 * 5 + 2] {
                cases.append(
                    KernelCase(
                        "sample_bernoulli n=\(n) from element \(offset)", inputs: [LatentCases.schedule(step: 3)],
                        outputs: [pixels], tolerance: .exact
                    ) { i, o in .sampleBernoulli(x: o[0], schedule: i[0], seed: 77, stream: 5, offset: offset) })
            }
        }
        // More than 65535 workgroups of 256: the grid's second dimension carries the rest.
        let big = 65_535 * 256 + 1000
        cases.append(
            KernelCase("fill n=\(big) (2-D grid)", inputs: [], outputs: [.unwritten([big])], tolerance: .exact) {
                _, o in
                .fill(x: o[0], value: 1.5)
            })
        return cases
    }
}

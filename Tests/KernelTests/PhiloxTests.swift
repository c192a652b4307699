import Testing
import VAECompute
import VAESelfTest

/// Philox-4x32-10 against the Random123 known-answer vectors, on the CPU and through the GPU kernel.
@Suite("philox")
struct PhiloxTests {
    /// (counter, key, expected output) from Random123's kat_vectors.
    static let vectors: [([UInt32], [UInt32], [UInt32])] = [
        ([0, 0, 0, 0], [0, 0], [0x6627_e8d5, 0xe169_c58d, 0xbc57_ac4c, 0x9b00_dbd8]),
        (
            [0xffff_ffff, 0xffff_ffff, 0xffff_ffff, 0xffff_ffff], [0xffff_ffff, 0xffff_ffff],
            [0x408f_276d, 0x41c8_3b0e, 0xa20b_c7c6, 0x6d54_51fd]
        ),
        (
            [0x243f_6a88, 0x85a3_08d3, 0x1319_8a2e, 0x0370_7344], [0xa409_3822, 0x299f_31d0],
            [0xd16c_fe09, 0x94fd_cceb, 0x5001_e420, 0x2412_6ea1]
        ),
    ]

    @Test(arguments: vectors)
    func knownAnswers(counter: [UInt32], key: [UInt32], expected: [UInt32]) throws {
        let b = Philox.block(counter: (counter[0], counter[1], counter[2], counter[3]), key: (key[0], key[1]))
        #expect([b.0, b.1, b.2, b.3] == expected, "CPU")
        for device in try TestDevices.all() {
            let out = try device.makeTensor(shape: [4], elementType: .uint32)
            try device.launch(.randomBits(out: out, counter: SIMD4(counter), key: SIMD2(key)))
            #expect(try device.downloadUInt32(out) == expected, "\(device.info)")
        }
    }

    @Test func uniformsAreInHalfOpenUnitInterval() {
        #expect(Philox.uniform(0) == 0)
        #expect(Philox.uniform(.max) < 1)
        let n = Philox.normals((0, 0, .max, .max))
        #expect(n.0.isFinite && n.2.isFinite, "u1 = 1 - u never reaches log(0)")
    }
}

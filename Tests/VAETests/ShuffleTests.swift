import Testing

@testable import VAE

@Suite("shuffle")
struct ShuffleTests {
    @Test func epochsGetDifferentUniformPermutations() {
        let n = 60_000
        let a = Trainer.permutation(count: n, seed: 1, epoch: 1), b = Trainer.permutation(count: n, seed: 1, epoch: 2)
        #expect(a.sorted() == (0..<UInt32(n)).map { $0 }, "a permutation")
        #expect(a == Trainer.permutation(count: n, seed: 1, epoch: 1), "reproducible")
        let same = zip(a, b).filter { $0 == $1 }.count
        #expect(same < 10, "epochs share \(same) positions")
        // Each tenth of the order holds about a tenth of each tenth of the data (no drift of the source
        // order into the shuffled order): counts within 5 standard deviations of 600.
        for part in 0..<10 {
            let slice = a[(part * n / 10)..<((part + 1) * n / 10)]
            let fromFirstTenth = slice.filter { $0 < UInt32(n / 10) }.count
            #expect(abs(fromFirstTenth - 600) < 5 * 23, "part \(part): \(fromFirstTenth) of the first tenth")
        }
    }
}

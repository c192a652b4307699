import Foundation
import Testing
import VAECPU

@testable import VAE

@Suite("latent exploration")
struct ExploreTests {
    static func explorer(latent: Int = 3) throws -> Explorer {
        let model = try VAEModel(
            VAEConfiguration(hidden: [16], latent: latent), device: CPUDevice(mode: .fast), seed: 3)
        // Unmagnified, so the sizes below are the grid's: a 28×28 cell and 2 pixels of padding per image, and
        // the label margin (CLITests.expectPicture says how big).
        var explorer = try Explorer(model: model, images: Fixtures.mnist.test.prefix(300))
        explorer.scale = 1
        return explorer
    }

    static func close(_ a: [Float], _ b: [Float], _ tolerance: Float = 1e-5) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance }
    }

    @Test func slerpEndpointsAndDegenerateCases() {
        let a: [Float] = [1, 2, 0], b: [Float] = [-2, 1, 1]
        #expect(Self.close(LatentMath.slerp(a, b, 0), a) && Self.close(LatentMath.slerp(a, b, 1), b))
        // Nearly parallel: falls back to lerp, finite.
        let c: [Float] = [1, 2, 1e-7]
        #expect(LatentMath.slerp(a, c, 0.5).allSatisfy { $0.isFinite })
        // Opposite: the cosine is −1 exactly; the result stays finite.
        #expect(LatentMath.slerp(a, a.map { -$0 }, 0.3).allSatisfy { $0.isFinite })
        // Between two vectors of norm 1 at 90°, slerp keeps norm 1 where lerp shrinks it.
        let mid = LatentMath.slerp([1, 0], [0, 1], 0.5)
        #expect(abs(LatentMath.norm(mid) - 1) < 1e-6 && LatentMath.norm(LatentMath.lerp([1, 0], [0, 1], 0.5)) < 0.8)
    }

    @Test func inverseNormalCDFKnownValues() {
        for (p, x) in [
            (0.5, 0.0), (0.975, 1.959963984540054), (0.025, -1.959963984540054), (1e-6, -4.753424308822899),
            (0.8413447460685429, 1.0),
        ] {
            #expect(abs(LatentMath.inverseNormalCDF(p) - x) < 1e-9, "Φ⁻¹(\(p))")
        }
    }

    @Test(arguments: Explorer.Method.allCases)
    func interpolationEndsAtTheEndpointsReconstructions(_ method: Explorer.Method) throws {
        let e = try Self.explorer()
        let result = try e.interpolation(from: 3, to: 11, steps: 6, method: method)
        let reconstructions = try e.model.reconstruct([e.images.image(3), e.images.image(11)])
        #expect(
            Self.close(result.decoded.first!, reconstructions[0])
                && Self.close(result.decoded.last!, reconstructions[1]))
        #expect(!Self.close(result.decoded[2], result.decoded[3]), "the path moves")
        #expect(result.image.width == 8 * 30 + 2 && result.image.height == 18 + 32)
        #expect { try e.interpolation(from: 0, to: 300, steps: 4, method: method) } throws: {
            "\($0)".contains("--to 300 is out of range")
        }
    }

    @Test func jDiagramCornersAreTheSources() throws {
        let e = try Self.explorer()
        let size = 5
        let result = try e.jDiagram(corners: (1, 2, 4), size: size)
        let r = try e.model.reconstruct([1, 2, 4].map { e.images.image($0) })
        #expect(
            Self.close(result.decoded[0], r[0]) && Self.close(result.decoded[size - 1], r[1])
                && Self.close(result.decoded[(size - 1) * size], r[2]))
        #expect(result.image.width == (size + 1) * 30 + 2 && result.image.height == (size + 1) * 30 + 2)
    }

    @Test func attributeStartsFromTheSourceAndMoves() throws {
        let e = try Self.explorer()
        let result = try e.attribute(labels: e.images.labels, from: 1, to: 7, count: 2, steps: 4)
        let firstOne = e.images.labels.firstIndex(of: 1)!
        #expect(
            Self.close(result.decoded[0], try e.model.reconstruct([e.images.image(firstOne)])[0]),
            "strength 0 is the reconstruction")
        #expect(result.norm > 0)
        #expect(result.image.width == 13 + 5 * 30 + 2 && result.image.height == 18 + 2 * 30 + 2)
        #expect { try e.attribute(labels: e.images.labels, from: 1, to: 42, count: 2, steps: 4) } throws: {
            "\($0)".contains("no test image has label 42")
        }
    }

    @Test func traversalHasARowPerDimensionSortedByKL() throws {
        let e = try Self.explorer()
        let result = try e.traversal(image: 0, steps: 5, statisticsImages: 200)
        #expect(result.image.width == 13 + 5 * 30 + 2 && result.image.height == 18 + 3 * 30 + 2)
        let kl = try e.latentStatistics(count: 200).kl
        #expect(result.order.map { kl[$0] } == result.order.map { kl[$0] }.sorted(by: >))
    }

    @Test func manifoldNeedsTwoLatents() throws {
        #expect { try Explorer.manifold(try Self.explorer(latent: 3).model, size: 4) } throws: {
            "\($0)".contains("2 latent dimensions")
        }
        let image = try Explorer.manifold(try Self.explorer(latent: 2).model, size: 4, scale: 1)
        #expect(image.width == 25 + 4 * 28 && image.height == 18 + 4 * 28)
        #expect(Set(image.pixels).count > 10, "the grid is not blank")
    }
}

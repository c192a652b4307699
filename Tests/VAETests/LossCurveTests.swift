import Foundation
import Testing

@testable import VAE

/// loss.png: round ticks, epoch 1 kept from squashing the rest, train and test in two colours, and labels
/// the pixel font can draw.
@Suite("loss curves")
struct LossCurveTests {
    func records(_ losses: [Double]) -> [EpochRecord] {
        losses.enumerated().map { i, v in
            EpochRecord(
                epoch: i + 1, train: LossSummary(loss: v + 2, reconstruction: v - 18, kl: 20),
                test: LossSummary(loss: v, reconstruction: v - 20, kl: 20), seconds: 1, samplesPerSecond: 1)
        }
    }

    func count(_ image: PNGImage, _ colour: Canvas.Colour) -> Int {
        stride(from: 0, to: image.pixels.count, by: 3).filter {
            image.pixels[$0] == colour.r && image.pixels[$0 + 1] == colour.g && image.pixels[$0 + 2] == colour.b
        }.count
    }

    @Test func ticksAreRoundAndCoverTheRange() {
        #expect(LossCurve.niceTicks(103.2, 161.7, count: 5) == [100, 120, 140, 160, 180])
        let small = LossCurve.niceTicks(0.31, 0.38, count: 5)
        #expect(small.count == 5 && zip(small, [0.3, 0.32, 0.34, 0.36, 0.38]).allSatisfy { abs($0 - $1) < 1e-12 })
        #expect(LossCurve.niceTicks(5, 5, count: 5).count >= 2)
        #expect(LossCurve.niceTicks(.nan, .infinity, count: 5) == [0, 1])
        #expect(LossCurve.epochTicks(first: 1, last: 12) == [1, 2, 4, 6, 8, 10, 12])
        #expect(LossCurve.epochTicks(first: 1, last: 3) == [1, 2, 3])
        #expect(LossCurve.epochTicks(first: 4, last: 4) == [4])
        #expect(LossCurve.epochTicks(first: 1, last: 1000).count <= 12)
    }

    /// With epoch 1 at 500 and the rest near 100, the later epochs use the panel's height: the test curve's
    /// points spread over most of it instead of lying along the bottom.
    @Test func epochOneDoesNotSquashTheRest() {
        let image = LossCurve.draw(records([500, 140, 120, 110, 105, 103]))
        let orangeRows = (0..<230).filter { y in
            (0..<image.width).contains { x in
                let i = 3 * (y * image.width + x)
                return image.pixels[i] == 230 && image.pixels[i + 1] == 85 && image.pixels[i + 2] == 13
            }
        }
        // The loss panel is the first 230 rows; its plot area spans rows 32 to 200.
        #expect(
            (orangeRows.max() ?? 0) - (orangeRows.min() ?? 0) > 120, "\(orangeRows.min() ?? 0)…\(orangeRows.max() ?? 0)"
        )
    }

    @Test func trainAndTestHaveTheirOwnColours() {
        let image = LossCurve.draw(records([200, 150, 130]))
        #expect(image.channels == 3)
        #expect(count(image, LossCurve.trainColour) > 100 && count(image, LossCurve.testColour) > 100)
    }

    @Test func everyLabelIsInTheFont() {
        for text in ["LOSS (NATS PER IMAGE)", "RECONSTRUCTION", "KL", "EPOCH", "TRAIN", "TEST", "-3.0", "+1.5", "z 12"]
        {
            for c in text { #expect(PixelFont.glyphs[Character(c.uppercased())] != nil, "'\(c)' of \(text)") }
        }
        #expect(PixelFont.width("ABC", scale: 2) == 22)
    }
}

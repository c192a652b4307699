import Foundation
import Testing

@testable import VAE

/// Pictures' magnification and label margins: where the grid and the labels land, colour kept, grey kept
/// grey, and a picture too large to hold refused before it is drawn.
@Suite("labelled pictures")
struct LabelledGridTests {
    static func configuration(channels: Int, side: Int) -> VAEConfiguration {
        var c = VAEConfiguration()
        (c.imageChannels, c.imageHeight, c.imageWidth, c.inputSize) = (channels, side, side, channels * side * side)
        return c
    }

    @Test func magnifiedGridPutsEachPixelInAScaleByScaleBlock() {
        // Two 2×2 grey images, the second all white, at scale 3: 2·(6 + 6) + 6 = 30 wide.
        let image = PNGImage.grid([[0, 0, 0, 0], [1, 1, 1, 1]], imageHeight: 2, imageWidth: 2, columns: 2, scale: 3)
        #expect(image.width == 30 && image.height == 18)
        let whiteColumns = (0..<30).filter { image.pixels[8 * 30 + $0] == 255 }
        #expect(whiteColumns == Array(18..<24))
    }

    @Test func labelsGoInAMarginAndTheGridBesideIt() throws {
        let c = Self.configuration(channels: 1, side: 28)
        let grid = LabelledGrid(
            cells: Array(repeating: [Float](repeating: 1, count: 28 * 28), count: 4), columns: 2, configuration: c,
            scale: 1, title: "T", columnLabels: ["A", "B"], rowLabels: ["z0", "z10"])
        let image = try grid.draw()
        // Left: "z10" is 11 pixels wide, and 6 more; top: a title line (8 + 2) and a label line (8).
        #expect(image.width == 17 + 2 * 30 + 2 && image.height == 18 + 2 * 30 + 2)
        #expect(image.channels == 1)
        // The first cell's top-left pixel is white, just inside the margins and the padding.
        #expect(image.pixels[(18 + 2) * image.width + 17 + 2] == 255)
        // Something is written in the margin (the labels), nothing in its far corner.
        #expect((0..<18).contains { y in (0..<image.width).contains { image.pixels[y * image.width + $0] > 0 } })
        #expect(image.pixels[(image.height - 1) * image.width] == 0)
    }

    @Test func colourStaysColour() throws {
        let c = Self.configuration(channels: 3, side: 4)
        let red = [Float](repeating: 1, count: 16) + [Float](repeating: 0, count: 32)
        let image = try LabelledGrid(
            cells: [red], columns: 1, configuration: c, scale: 2, rowLabels: ["#1"]
        ).draw()
        #expect(image.channels == 3)
        let left = 7 + 6, i = 3 * ((4) * image.width + left + 4)
        #expect(Array(image.pixels[i..<(i + 3)]) == [255, 0, 0])
    }

    @Test func aPictureTooLargeIsRefusedBeforeItIsDrawn() {
        let c = Self.configuration(channels: 1, side: 2000)
        #expect {
            _ = try LabelledGrid(cells: [[]], columns: 1, configuration: c, scale: 16).draw()
        } throws: { "\($0)".contains("the picture would be 32064×32064 pixels") }
    }

    @Test func defaultScaleMakesImagesAbout84PixelsAcross() {
        #expect(Pictures.defaultScale(for: Self.configuration(channels: 1, side: 28)) == 3)
        #expect(Pictures.defaultScale(for: Self.configuration(channels: 3, side: 64)) == 2)
        #expect(Pictures.defaultScale(for: Self.configuration(channels: 3, side: 128)) == 1)
        #expect(Pictures.defaultScale(for: Self.configuration(channels: 1, side: 8)) == 11)
    }
}

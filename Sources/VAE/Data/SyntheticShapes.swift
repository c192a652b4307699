import Foundation
import VAECompute

/// A synthetic colour data set for the 64×64 models: coloured discs, squares and
/// triangles on a coloured background, drawn from Philox (the same images on every machine).
///
/// Each image holds one to three shapes of random size, place and colour over a dim background of random
/// colour, edges smoothed by 4×4 supersampling; its label is the kind of its largest shape (0 disc,
/// 1 square, 2 triangle), so `vae attribute --from-label 0 --to-label 2` turns discs into triangles.
/// Training and test images come from different Philox streams.
public enum SyntheticShapes {
    /// The names `--data` takes for it.
    public static let sourceName = "synthetic:shapes"
    /// The default sizes of its two parts.
    public static let trainCount = 10_000, testCount = 1_000
    public static let side = 64
    public static let labels = ["disc", "square", "triangle"]

    /// The training (`test: false`) or test part, its first `count` images.
    public static func make(count: Int, test: Bool) -> ImageDataset {
        let plane = side * side, values = 3 * plane
        var images = [UInt8](repeating: 0, count: count * values)
        var labels = [UInt8](repeating: 0, count: count)
        images.withUnsafeMutableBufferPointer { pixels in
            labels.withUnsafeMutableBufferPointer { labelOut in
                // Each iteration writes its own images and labels only.
                nonisolated(unsafe) let pixels = pixels, labelOut = labelOut
                DispatchQueue.concurrentPerform(iterations: max(1, min(count, 64))) { part in
                    var i = part
                    while i < count {
                        labelOut[i] = draw(
                            index: i, test: test, into: UnsafeMutableBufferPointer(rebasing: pixels[(i * values)...]))
                        i += 64
                    }
                }
            }
        }
        return ImageDataset(images: images, labels: labels, count: count, height: side, width: side, channels: 3)
    }

    struct Shape {
        var kind: Int
        var cx: Float, cy: Float, size: Float, angle: Float
        var colour: SIMD3<Float>

        /// Whether the point (x, y) lies inside.
        func contains(_ x: Float, _ y: Float) -> Bool {
            let dx = x - cx, dy = y - cy
            // Rotate into the shape's frame.
            let u = dx * cos(angle) + dy * sin(angle), v = -dx * sin(angle) + dy * cos(angle)
            switch kind {
            case 0: return u * u + v * v <= size * size
            case 1: return abs(u) <= size * 0.85 && abs(v) <= size * 0.85
            default:
                // An equilateral triangle of circumradius `size`, apex up in its frame.
                let r = size
                return v >= -r / 2 && v <= r && abs(u) <= (r - v) / sqrt(3)
            }
        }
    }

    /// Draws image `index` as three 64×64 planes into `out`; returns its label.
    static func draw(index: Int, test: Bool, into out: UnsafeMutableBufferPointer<UInt8>) -> UInt8 {
        let words = Philox.words(
            count: 32, counter: (UInt32(truncatingIfNeeded: index), test ? 1 : 0, 0x5_4A9E, 0),
            key: Philox.key(seed: 0x5EED))
        var next = 0
        func uniform() -> Float {
            defer { next += 1 }
            return Float(Philox.uniform(words[next]))
        }
        func colour(bright: Bool) -> SIMD3<Float> {
            let c = SIMD3(uniform(), uniform(), uniform())
            return bright ? 0.35 + 0.65 * c : 0.3 * c
        }
        let background = colour(bright: false)
        let count = 1 + Int(uniform() * 3) % 3
        var shapes: [Shape] = []
        for _ in 0..<count {
            let size = Float(side) * (0.1 + 0.18 * uniform())
            let margin = size * 0.6
            shapes.append(
                Shape(
                    kind: Int(uniform() * 3) % 3, cx: margin + (Float(side) - 2 * margin) * uniform(),
                    cy: margin + (Float(side) - 2 * margin) * uniform(), size: size,
                    angle: uniform() * 2 * .pi, colour: colour(bright: true)))
        }
        // The largest shape names the image; the smaller ones are drawn on top so it stays visible.
        shapes.sort { $0.size > $1.size }
        let plane = side * side, samples = 4
        for y in 0..<side {
            for x in 0..<side {
                var sum = SIMD3<Float>(repeating: 0)
                for sy in 0..<samples {
                    for sx in 0..<samples {
                        let px = Float(x) + (Float(sx) + 0.5) / Float(samples)
                        let py = Float(y) + (Float(sy) + 0.5) / Float(samples)
                        var c = background
                        for s in shapes where s.contains(px, py) { c = s.colour }
                        sum += c
                    }
                }
                let mean = sum / Float(samples * samples)
                for channel in 0..<3 {
                    out[channel * plane + y * side + x] = UInt8((min(max(mean[channel], 0), 1) * 255).rounded())
                }
            }
        }
        return UInt8(shapes[0].kind)
    }
}

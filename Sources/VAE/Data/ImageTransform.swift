import Foundation
import VAEFormats

/// What every image of a source becomes before training: `--channels`, `--center-crop` and
/// `--image-size`, applied in that order (CelebA's usual 178×218 → crop 148 → 64×64), to images held as
/// channel planes (C×H×W bytes).
public struct ImageTransform: Sendable, Equatable, Hashable {
    /// 1 or 3, or nil to keep the source's.
    public var channels: Int?
    /// The side of the centred square kept, or nil for the whole image.
    public var centerCrop: Int?
    /// The (height, width) images are resized to, or nil to keep their size.
    public var size: Size?

    public struct Size: Sendable, Equatable, Hashable, CustomStringConvertible {
        public var height: Int, width: Int
        public init(height: Int, width: Int) { self.height = height; self.width = width }
        public var description: String { "\(height)×\(width)" }
    }

    public init(channels: Int? = nil, centerCrop: Int? = nil, size: Size? = nil) {
        self.channels = channels; self.centerCrop = centerCrop; self.size = size
    }

    public var isIdentity: Bool { channels == nil && centerCrop == nil && size == nil }

    /// The options as a user would type them ("--channels 3 --center-crop 148 --image-size 64x64"),
    /// empty when there are none: recorded with a run and part of a cache's key.
    public var arguments: String {
        var parts: [String] = []
        if let channels { parts.append("--channels \(channels)") }
        if let centerCrop { parts.append("--center-crop \(centerCrop)") }
        if let size { parts.append("--image-size \(size.height)x\(size.width)") }
        return parts.joined(separator: " ")
    }

    /// The channels, height and width an image of `channels`×`height`×`width` comes out with, or an error
    /// naming `name` when the crop does not fit in it.
    public func outputShape(channels c: Int, height h: Int, width w: Int, name: String) throws -> (Int, Int, Int) {
        var (height, width) = (h, w)
        if let crop = centerCrop {
            guard crop <= h, crop <= w else {
                throw DataError.mismatch("\(name): --center-crop \(crop) is larger than the image (\(h)×\(w))")
            }
            (height, width) = (crop, crop)
        }
        if let size { (height, width) = (size.height, size.width) }
        return (channels ?? c, height, width)
    }

    /// Applies the transform to one image of `c` planes of `h`×`w` bytes.
    public func apply(_ planes: [UInt8], channels c: Int, height h: Int, width w: Int, name: String) throws -> [UInt8] {
        var (image, cc, hh, ww) = (planes, c, h, w)
        if let target = channels, target != cc {
            image = ImageTransform.convert(image, from: cc, to: target, plane: hh * ww)
            cc = target
        }
        if let crop = centerCrop {
            guard crop <= hh, crop <= ww else {
                throw DataError.mismatch("\(name): --center-crop \(crop) is larger than the image (\(hh)×\(ww))")
            }
            image = ImageTransform.crop(image, channels: cc, height: hh, width: ww, to: crop)
            (hh, ww) = (crop, crop)
        }
        if let size, (size.height, size.width) != (hh, ww) {
            image = ImageTransform.resize(
                image, channels: cc, height: hh, width: ww, toHeight: size.height, width: size.width)
        }
        return image
    }

    /// Grey → RGB repeats the plane; RGB → grey is ITU-R BT.601 luma (0.299 R + 0.587 G + 0.114 B), as
    /// Pillow's `convert("L")` computes it.
    static func convert(_ planes: [UInt8], from c: Int, to target: Int, plane: Int) -> [UInt8] {
        if c == 1 { return Array([[UInt8]](repeating: planes, count: target).joined()) }
        var out = [UInt8](repeating: 0, count: plane)
        for i in 0..<plane {
            let luma = 299 * Int(planes[i]) + 587 * Int(planes[plane + i]) + 114 * Int(planes[2 * plane + i])
            out[i] = UInt8((luma + 500) / 1000)
        }
        return out
    }

    /// The centred `side`×`side` square, offsets rounded as torchvision's CenterCrop rounds them.
    static func crop(_ planes: [UInt8], channels: Int, height: Int, width: Int, to side: Int) -> [UInt8] {
        let top = Int((Double(height - side) / 2).rounded()), left = Int((Double(width - side) / 2).rounded())
        var out = [UInt8]()
        out.reserveCapacity(channels * side * side)
        for c in 0..<channels {
            for y in top..<(top + side) {
                let row = (c * height + y) * width
                out.append(contentsOf: planes[(row + left)..<(row + left + side)])
            }
        }
        return out
    }

    /// Separable resampling with a triangle (bilinear) filter whose support widens with the reduction,
    /// so shrinking averages every source pixel instead of skipping some (aliasing): the scheme of
    /// Pillow's antialiased BILINEAR resize.
    static func resize(
        _ planes: [UInt8], channels: Int, height: Int, width: Int, toHeight outH: Int, width outW: Int
    ) -> [UInt8] {
        let across = weights(from: width, to: outW), down = weights(from: height, to: outH)
        var out = [UInt8](repeating: 0, count: channels * outH * outW)
        var rows = [Float](repeating: 0, count: height * outW)
        for c in 0..<channels {
            let base = c * height * width
            for y in 0..<height {
                for (x, taps) in across.enumerated() {
                    var sum: Float = 0
                    for (i, weight) in taps { sum += weight * Float(planes[base + y * width + i]) }
                    rows[y * outW + x] = sum
                }
            }
            for (y, taps) in down.enumerated() {
                for x in 0..<outW {
                    var sum: Float = 0
                    for (i, weight) in taps { sum += weight * rows[i * outW + x] }
                    out[(c * outH + y) * outW + x] = UInt8(min(max(sum.rounded(), 0), 255))
                }
            }
        }
        return out
    }

    /// For each output position, the source positions it reads and their weights (summing to 1).
    static func weights(from n: Int, to m: Int) -> [[(Int, Float)]] {
        let scale = Double(n) / Double(m), spread = max(scale, 1)
        return (0..<m).map { o in
            let centre = (Double(o) + 0.5) * scale
            let first = max(Int((centre - spread + 0.5).rounded(.down)), 0)
            let last = min(Int((centre + spread + 0.5).rounded(.down)), n)
            var taps = (first..<max(last, first + 1)).map { i -> (Int, Double) in
                (min(i, n - 1), max(0, 1 - abs((Double(i) + 0.5 - centre) / spread)))
            }
            let total = taps.reduce(0) { $0 + $1.1 }
            if total <= 0 { taps = [(min(Int(centre), n - 1), 1)] }
            let norm = total > 0 ? total : 1
            return taps.map { ($0.0, Float($0.1 / norm)) }
        }
    }
}

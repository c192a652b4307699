import Foundation
import VAECompute

/// The pictures of "Sampling Generative Networks" for a trained model: interpolations, J-diagrams,
/// attribute vectors, latent traversals and (for 2-D latents) the manifold.
public struct Explorer {
    public let model: VAEModel
    public let images: ImageDataset
    /// The pictures' magnification (nil: `Pictures.defaultScale`).
    public var scale: Int?

    public init(model: VAEModel, images: ImageDataset) throws {
        guard images.fits(model.configuration) else {
            throw DataError.mismatch(
                "the images are \(images.imageSize) but the model takes \(model.configuration.imageSize)")
        }
        self.model = model
        self.images = images
    }

    var config: VAEConfiguration { model.configuration }

    func grid(
        _ cells: [[Float]], columns: Int, title: String? = nil, columnLabels: [String] = [], rowLabels: [String] = []
    ) throws -> PNGImage {
        try LabelledGrid(
            cells: cells, columns: columns, configuration: config, scale: scale ?? Pictures.defaultScale(for: config),
            title: title, columnLabels: columnLabels, rowLabels: rowLabels
        ).draw()
    }

    func checkIndex(_ i: Int, _ option: String) throws {
        guard i >= 0 && i < images.count else {
            throw ConfigurationError("\(option) \(i) is out of range: the test set has images 0..<\(images.count)")
        }
    }

    /// The posterior mean of image `i`.
    public func latent(of i: Int) throws -> [Float] { try model.encode([images.image(i)]).mu[0] }

    public enum Method: String, CaseIterable, Sendable { case slerp, lerp }

    /// Decoded points between the latents of images `from` and `to` (`steps` ≥ 2, endpoints included),
    /// with the two originals at the ends of the row.
    public func interpolation(
        from: Int, to: Int, steps: Int, method: Method
    ) throws -> (image: PNGImage, decoded: [[Float]]) {
        try checkIndex(from, "--from"); try checkIndex(to, "--to")
        guard steps >= 2 else { throw ConfigurationError("--steps must be at least 2, got \(steps)") }
        try model.requireDecodable(try CheckedSize.add(steps, 2, "--steps \(steps)"), what: "--steps \(steps)")
        let (a, b) = (try latent(of: from), try latent(of: to))
        let path = (0..<steps).map { s -> [Float] in
            let t = Float(s) / Float(steps - 1)
            return method == .slerp ? LatentMath.slerp(a, b, t) : LatentMath.lerp(a, b, t)
        }
        let decoded = try model.decode(path)
        // Over each column: the image's index at the ends, t between them.
        let ts = (0..<steps).map { String(format: "%.2f", Double($0) / Double(steps - 1)) }
        return (
            try grid(
                [images.image(from)] + decoded + [images.image(to)], columns: steps + 2,
                title: "\(method.rawValue) from #\(from) to #\(to), t", columnLabels: ["#\(from)"] + ts + ["#\(to)"]),
            decoded
        )
    }

    /// The J-diagram: z(u, v) = z_I + u (z_J − z_I) + v (z_K − z_I) on a size×size lattice (u along rows,
    /// v down columns), I at the top-left, J top-right, K bottom-left. The originals sit beside their
    /// corners: I and J above the lattice, K to the left of its bottom row.
    public func jDiagram(corners: (Int, Int, Int), size: Int) throws -> (image: PNGImage, decoded: [[Float]]) {
        try checkIndex(corners.0, "--corners"); try checkIndex(corners.1, "--corners");
        try checkIndex(corners.2, "--corners")
        guard size >= 2 else { throw ConfigurationError("--size must be at least 2, got \(size)") }
        let side = try CheckedSize.add(size, 1, "--size \(size)")
        try model.requireDecodable(
            try CheckedSize.multiply(side, side, "--size \(size)"), what: "a J-diagram of --size \(size)")
        let (zi, zj, zk) = (try latent(of: corners.0), try latent(of: corners.1), try latent(of: corners.2))
        var lattice: [[Float]] = []
        for r in 0..<size {
            for c in 0..<size {
                let u = Float(c) / Float(size - 1), v = Float(r) / Float(size - 1)
                lattice.append((0..<zi.count).map { zi[$0] + u * (zj[$0] - zi[$0]) + v * (zk[$0] - zi[$0]) })
            }
        }
        let decoded = try model.decode(lattice)
        let blank = [Float](repeating: 0, count: config.inputSize)
        var cells: [[Float]] = []
        for r in 0...size {
            for c in 0...size {
                switch (r, c) {
                case (0, 1): cells.append(images.image(corners.0))
                case (0, size): cells.append(images.image(corners.1))
                case (size, 0): cells.append(images.image(corners.2))
                case (0, _), (_, 0): cells.append(blank)
                default: cells.append(decoded[(r - 1) * size + (c - 1)])
                }
            }
        }
        return (try grid(cells, columns: size + 1), decoded)
    }

    /// The attribute vector from label `a` to label `b` (mean latent of b's images minus a's), added with
    /// strengths 0, 1/(steps−1), …, 1 to the first `count` images of label `a`: one row per image.
    public func attribute(
        labels: [UInt8], from a: UInt8, to b: UInt8, count: Int, steps: Int
    ) throws -> (image: PNGImage, norm: Float, decoded: [[Float]]) {
        guard labels.count == images.count else {
            throw DataError.mismatch("\(labels.count) labels for \(images.count) images")
        }
        guard images.labelled else {
            throw DataError.mismatch(
                "vae attribute needs labelled test images and these have none (MNIST format: t10k-labels-idx1-ubyte; a folder: class sub-folders; .npz: y_test)"
            )
        }
        let ofA = labels.indices.filter { labels[$0] == a }, ofB = labels.indices.filter { labels[$0] == b }
        guard !ofA.isEmpty else { throw ConfigurationError("no test image has label \(a)") }
        guard !ofB.isEmpty else { throw ConfigurationError("no test image has label \(b)") }
        guard steps >= 2, count >= 1 else {
            throw ConfigurationError("--steps must be at least 2 and --count at least 1")
        }
        let rows = min(count, ofA.count)
        try model.requireDecodable(
            try CheckedSize.multiply(
                rows, try CheckedSize.add(steps, 1, "--steps \(steps)"), "--count \(count) --steps \(steps)"),
            what: "--count \(count) --steps \(steps)")
        func meanLatent(_ indices: [Int]) throws -> [Float] {
            var sum = [Float](repeating: 0, count: config.latent)
            for chunk in stride(from: 0, to: indices.count, by: 256) {
                let mu = try model.encode(indices[chunk..<min(chunk + 256, indices.count)].map { images.image($0) }).mu
                for row in mu { for d in row.indices { sum[d] += row[d] } }
            }
            return sum.map { $0 / Float(indices.count) }
        }
        let vector = zip(try meanLatent(ofB), try meanLatent(ofA)).map { $0 - $1 }
        let sources = Array(ofA.prefix(count))
        let mus = try model.encode(sources.map { images.image($0) }).mu
        var path: [[Float]] = []
        for mu in mus {
            for s in 0..<steps {
                let strength = Float(s) / Float(steps - 1)
                path.append(zip(mu, vector).map { $0 + strength * $1 })
            }
        }
        let decoded = try model.decode(path)
        var cells: [[Float]] = []
        for (row, source) in sources.enumerated() {
            cells.append(images.image(source))
            cells.append(contentsOf: decoded[(row * steps)..<((row + 1) * steps)])
        }
        let strengths = (0..<steps).map { String(format: "%.2f", Double($0) / Double(steps - 1)) }
        return (
            try grid(
                cells, columns: steps + 1, title: "label \(a) to \(b), strength", columnLabels: ["in"] + strengths,
                rowLabels: sources.map { "#\($0)" }),
            LatentMath.norm(vector), decoded
        )
    }

    /// Per-dimension KL(q(z_d|x) ‖ N(0, 1)) averaged over the first `count` images, and each dimension's
    /// variance of the posterior mean across them (Burda et al.'s activity statistic).
    public func latentStatistics(count: Int) throws -> (kl: [Double], meanVariance: [Double]) {
        let n = min(count, images.count)
        var klSum = [Double](repeating: 0, count: config.latent), muSum = klSum, muSquares = klSum
        for chunk in stride(from: 0, to: n, by: 256) {
            let (mu, logvar) = try model.encode((chunk..<min(chunk + 256, n)).map { images.image($0) })
            for (m, lv) in zip(mu, logvar) {
                for d in 0..<config.latent {
                    let (md, lvd) = (Double(m[d]), Double(lv[d]))
                    klSum[d] += -0.5 * (1 + lvd - md * md - exp(lvd))
                    muSum[d] += md; muSquares[d] += md * md
                }
            }
        }
        let kl = klSum.map { $0 / Double(n) }
        let variance = (0..<config.latent).map {
            muSquares[$0] / Double(n) - (muSum[$0] / Double(n)) * (muSum[$0] / Double(n))
        }
        return (kl, variance)
    }

    /// One row per latent dimension, most informative (largest KL) first: dimension d swept over
    /// [−range, range] in `steps` values while the others hold image `image`'s posterior mean.
    public func traversal(
        image: Int, steps: Int, range: Float = 3, statisticsImages: Int = 2000
    ) throws -> (image: PNGImage, order: [Int]) {
        try checkIndex(image, "--image")
        guard steps >= 2 else { throw ConfigurationError("--steps must be at least 2, got \(steps)") }
        try model.requireDecodable(
            try CheckedSize.multiply(config.latent, steps, "--steps \(steps)"), what: "--steps \(steps)")
        let kl = try latentStatistics(count: statisticsImages).kl
        let order = kl.indices.sorted { kl[$0] > kl[$1] }
        let base = try latent(of: image)
        var path: [[Float]] = []
        for d in order {
            for s in 0..<steps {
                var z = base
                z[d] = -range + 2 * range * Float(s) / Float(steps - 1)
                path.append(z)
            }
        }
        let sweep = (0..<steps).map { String(format: "%+.1f", -range + 2 * range * Float($0) / Float(steps - 1)) }
        return (
            try grid(
                try model.decode(path), columns: steps, title: "z of image #\(image), one latent swept per row",
                columnLabels: sweep, rowLabels: order.map { "z\($0)" }),
            order
        )
    }

    /// Kingma & Welling's manifold for 2-latent models: z = (Φ⁻¹(u), Φ⁻¹(v)) on a size×size grid of
    /// u, v = (i + ½)/size, decoded.
    public static func manifold(_ model: VAEModel, size: Int, scale: Int? = nil) throws -> PNGImage {
        guard model.configuration.latent == 2 else {
            throw ConfigurationError(
                "the manifold needs a model with 2 latent dimensions; this one has \(model.configuration.latent)")
        }
        guard size >= 2 else { throw ConfigurationError("--size must be at least 2, got \(size)") }
        try model.requireDecodable(
            try CheckedSize.multiply(size, size, "--size \(size)"), what: "a manifold of --size \(size)")
        var points: [[Float]] = []
        for r in 0..<size {
            for c in 0..<size {
                let u = (Double(c) + 0.5) / Double(size), v = 1 - (Double(r) + 0.5) / Double(size)
                points.append([Float(LatentMath.inverseNormalCDF(u)), Float(LatentMath.inverseNormalCDF(v))])
            }
        }
        let c = model.configuration
        let z = (0..<size).map { LatentMath.inverseNormalCDF((Double($0) + 0.5) / Double(size)) }
        return try LabelledGrid(
            cells: try model.decode(points), columns: size, configuration: c,
            scale: scale ?? Pictures.defaultScale(for: c),
            padding: 0, title: "z0 across, z1 up", columnLabels: z.map { String(format: "%+.2f", $0) },
            rowLabels: z.reversed().map { String(format: "%+.2f", $0) }
        ).draw()
    }
}

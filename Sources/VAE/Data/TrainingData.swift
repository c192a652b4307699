import Foundation

/// The training and test images `--data` names: a folder of MNIST-format files, or `synthetic:shapes`
/// (`SyntheticShapes`, 3×64×64, for the 64×64 models).
public struct TrainingData: Sendable {
    public var train: ImageDataset
    public var test: ImageDataset

    public init(train: ImageDataset, test: ImageDataset) {
        self.train = train; self.test = test
    }

    /// Loads `source`, keeping the first `trainLimit` training and `testLimit` test images (a synthetic
    /// set makes only those).
    public static func load(_ source: String, trainLimit: Int? = nil, testLimit: Int? = nil) throws -> TrainingData {
        if source.hasPrefix("synthetic:") {
            guard source == SyntheticShapes.sourceName else {
                throw DataError.mismatch(
                    "--data \(source): no such synthetic set (there is \(SyntheticShapes.sourceName))")
            }
            return TrainingData(
                train: SyntheticShapes.make(count: min(trainLimit ?? .max, SyntheticShapes.trainCount), test: false),
                test: SyntheticShapes.make(count: min(testLimit ?? .max, SyntheticShapes.testCount), test: true))
        }
        let mnist = try MNIST(directory: source)
        return TrainingData(
            train: trainLimit.map { mnist.train.prefix($0) } ?? mnist.train,
            test: testLimit.map { mnist.test.prefix($0) } ?? mnist.test)
    }
}

extension ImageDataset {
    /// Whether the images are what the model `c` takes: the same values per image for an MLP (it sees a
    /// flat vector), the same channels, height and width for the convolutional models.
    public func fits(_ c: VAEConfiguration) -> Bool {
        valuesPerImage == c.inputSize
            && (c.architecture == .mlp || (channels, height, width) == (c.imageChannels, c.imageHeight, c.imageWidth))
    }
}

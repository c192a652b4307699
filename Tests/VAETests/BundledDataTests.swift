import Foundation
import TestSupport
import Testing

@testable import VAE

/// Where the bundled MNIST is looked for, and what a user is told when it is nowhere.
@Suite("bundled data")
struct BundledDataTests {
    @Test func candidatesComeInTheDocumentedOrder() {
        let list = BundledData.mnistCandidates(
            environment: ["VAE_DATA": "/data/sets"], executable: "/opt/vae/bin/vae", workingDirectory: "/home/me")
        #expect(
            list == [
                "/data/sets/mnist", "/home/me/Data/mnist", "/opt/vae/bin/Data/mnist", "/opt/vae/Data/mnist",
                "/opt/vae/share/vulkanvae/mnist", "/opt/Data/mnist", "/Data/mnist",
            ], "\(list)")
        // A checkout's build: .build/<platform>/debug/vae finds the checkout's Data/mnist three folders up.
        let build = BundledData.mnistCandidates(
            environment: [:], executable: "/src/vae/.build/x86_64-unknown-linux-gnu/debug/vae", workingDirectory: "/")
        #expect(build.contains("/src/vae/Data/mnist"), "\(build)")
    }

    @Test func theFirstFolderWithTrainingImagesWins() throws {
        let root = temporaryDirectory()
        for folder in ["a/mnist", "b/Data/mnist"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        // Only b's holds training images.
        FileManager.default.createFile(atPath: root + "/b/Data/mnist/train-images-idx3-ubyte", contents: Data())
        let found = try BundledData.mnist(
            environment: ["VAE_DATA": root + "/a"], executable: nil, workingDirectory: root + "/b")
        #expect(found == root + "/b/Data/mnist")
        #expect {
            try BundledData.mnist(environment: ["VAE_DATA": root + "/a"], executable: nil, workingDirectory: root)
        } throws: {
            "\($0)".contains("the bundled MNIST is not in \(root)/a/mnist, \(root)/Data/mnist; pass --data")
                && "\($0)".contains("set VAE_DATA")
        }
    }
}

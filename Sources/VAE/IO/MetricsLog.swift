import Foundation

/// One epoch's figures, as written to metrics.csv.
public struct EpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var train: LossSummary
    public var test: LossSummary
    public var seconds: Double
    public var samplesPerSecond: Double

    public init(epoch: Int, train: LossSummary, test: LossSummary, seconds: Double, samplesPerSecond: Double) {
        self.epoch = epoch; self.train = train; self.test = test; self.seconds = seconds; self.samplesPerSecond = samplesPerSecond
    }

    static let csvHeader = "epoch,train_loss,train_reconstruction,train_kl,test_loss,test_reconstruction,test_kl,seconds,samples_per_second"

    var csvRow: String {
        let losses = [train.loss, train.reconstruction, train.kl, test.loss, test.reconstruction, test.kl].map { String(format: "%.4f", $0) }
        let timing = [String(format: "%.3f", seconds), String(format: "%.1f", samplesPerSecond)]
        return ([String(epoch)] + losses + timing).joined(separator: ",")
    }

    init?(csvRow: String) {
        let f = csvRow.split(separator: ",").map(String.init)
        guard f.count == 9, let e = Int(f[0]) else { return nil }
        let d = f[1...].compactMap(Double.init)
        guard d.count == 8 else { return nil }
        self.init(epoch: e, train: LossSummary(loss: d[0], reconstruction: d[1], kl: d[2]),
                  test: LossSummary(loss: d[3], reconstruction: d[4], kl: d[5]), seconds: d[6], samplesPerSecond: d[7])
    }
}

/// metrics.csv of a run: one row per epoch, rewritten atomically after each epoch.
public struct MetricsLog: Sendable {
    public var records: [EpochRecord] = []

    public init() {}

    /// Reads a run's metrics.csv (a missing file is an empty log).
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw DataError.corrupt(file: path, reason: "cannot be read") }
        for (n, line) in text.split(separator: "\n").enumerated() where n > 0 {
            guard let r = EpochRecord(csvRow: String(line)) else { throw DataError.corrupt(file: path, reason: "line \(n + 1) is not a metrics row") }
            records.append(r)
        }
    }

    public func write(to path: String) throws {
        let text = ([EpochRecord.csvHeader] + records.map(\.csvRow)).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}

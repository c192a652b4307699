import Foundation

/// Losses of a pass over a dataset, per image (nats).
public struct LossSummary: Sendable, Equatable {
    /// Reconstruction NLL + KL weight · KL: what was minimized (for test sets, the weight is 1: −ELBO).
    public var loss: Double
    public var reconstruction: Double
    public var kl: Double

    public init(loss: Double, reconstruction: Double, kl: Double) {
        self.loss = loss; self.reconstruction = reconstruction; self.kl = kl
    }
}

/// One epoch's figures, as written to metrics.csv.
///
/// `train.loss` is what the epoch minimized, reconstruction + `klWeight` · KL (β·min(1, epoch / warm-up)),
/// averaged over the epoch's steps as the weights changed; `test.loss` is always the negative ELBO
/// (reconstruction + KL, weight 1), so test losses compare across β and warm-up.
public struct EpochRecord: Sendable, Equatable {
    public var epoch: Int
    public var train: LossSummary
    public var test: LossSummary
    public var seconds: Double
    public var samplesPerSecond: Double
    /// The KL weight the epoch trained with (nil in files written before it was recorded).
    public var klWeight: Double?
    /// The run's β, the KL weight once any warm-up is over (nil in files written before it was recorded).
    public var beta: Double?
    /// The learning rate the epoch trained with (nil in files written before it was recorded).
    public var learningRate: Double?

    public init(
        epoch: Int, train: LossSummary, test: LossSummary, seconds: Double, samplesPerSecond: Double,
        klWeight: Double? = nil, beta: Double? = nil, learningRate: Double? = nil
    ) {
        self.epoch = epoch; self.train = train; self.test = test; self.seconds = seconds;
        self.samplesPerSecond = samplesPerSecond; self.klWeight = klWeight; self.beta = beta
        self.learningRate = learningRate
    }

    /// The header of files written before the KL weight and β were columns (still read).
    static let legacyHeader =
        "epoch,train_loss,train_reconstruction,train_kl,test_loss,test_reconstruction,test_kl,seconds,samples_per_second"
    /// The header of files written before the learning rate was a column (still read).
    static let weightsHeader = legacyHeader + ",kl_weight,beta"
    /// New columns go last, so a reader that takes columns by position keeps working.
    static let csvHeader = weightsHeader + ",lr"
    /// The columns under each header this version reads.
    static let layouts = [csvHeader: 12, weightsHeader: 11, legacyHeader: 9]

    var csvRow: String {
        let losses = [train.loss, train.reconstruction, train.kl, test.loss, test.reconstruction, test.kl].map {
            String(format: "%.4f", $0)
        }
        let timing = [String(format: "%.3f", seconds), String(format: "%.1f", samplesPerSecond)]
        // Weights print as Swift prints a Double: short, and exact for the Float they came from.
        let weights = [klWeight, beta, learningRate].map { $0.map { "\($0)" } ?? "" }
        return ([String(epoch)] + losses + timing + weights).joined(separator: ",")
    }

    /// The largest magnitude a per-image loss may have in a metrics file (a trained model's losses are in
    /// the tens to thousands of nats; anything past this is damage, not a measurement).
    static let maxLoss = 1e12

    /// Parses a row of `columns` fields (9: the legacy layout; 11: with the KL weight and β; 12: and the
    /// learning rate; the last three may be empty when unknown).
    init?(csvRow: String, columns: Int) {
        let f = csvRow.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard f.count == columns, let e = Int(f[0]), e >= 1, e <= Int(Int32.max) else { return nil }
        let d = f[1..<9].compactMap(Double.init)
        guard d.count == 8, d.allSatisfy(\.isFinite), d[0..<6].allSatisfy({ abs($0) <= Self.maxLoss }), d[6] >= 0,
            d[7] >= 0
        else {
            return nil
        }
        var weights: [Double?] = [nil, nil, nil]
        for (i, field) in f.dropFirst(9).enumerated() where !field.isEmpty {
            guard let w = Double(field), w.isFinite, w >= 0, w <= Self.maxLoss else { return nil }
            weights[i] = w
        }
        self.init(
            epoch: e, train: LossSummary(loss: d[0], reconstruction: d[1], kl: d[2]),
            test: LossSummary(loss: d[3], reconstruction: d[4], kl: d[5]), seconds: d[6], samplesPerSecond: d[7],
            klWeight: weights[0], beta: weights[1], learningRate: weights[2])
    }
}

/// metrics.csv of a run: one row per epoch, rewritten atomically after each epoch.
public struct MetricsLog: Sendable {
    public var records: [EpochRecord] = []

    public init() {}

    /// The largest metrics file read (a row is about 80 bytes: this is over a million epochs).
    public static let maxFileBytes = 100_000_000

    /// Reads a run's metrics.csv (a missing file is an empty log). Rows must be complete, in range
    /// (epochs from 1, strictly increasing; finite losses; non-negative timings) and under the header.
    public init(contentsOf path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { self.init(); return }
        try self.init(data: try InputFile.contents(of: path, limit: Self.maxFileBytes), name: path)
    }

    public init(data: Data, name path: String) throws {
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DataError.corrupt(file: path, reason: "is not UTF-8 text")
        }
        // "\r\n" is one Character in Swift: split on both, so files from Windows tools read the same.
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        guard let columns = lines.first.flatMap({ EpochRecord.layouts[String($0)] }) else {
            throw DataError.corrupt(file: path, reason: "line 1 is not the metrics header (\(EpochRecord.csvHeader))")
        }
        for (n, line) in lines.enumerated().dropFirst() {
            if line.isEmpty && n == lines.count - 1 { break }  // the final newline
            guard let r = EpochRecord(csvRow: String(line), columns: columns) else {
                throw DataError.corrupt(
                    file: path,
                    reason:
                        "line \(n + 1) is not a metrics row (\(columns) fields: epoch from 1, finite losses, timings ≥ 0\(columns > 9 ? ", KL weight, β and learning rate ≥ 0 or empty" : ""))"
                )
            }
            if let last = records.last, r.epoch <= last.epoch {
                throw DataError.corrupt(
                    file: path, reason: "line \(n + 1) has epoch \(r.epoch) after epoch \(last.epoch)")
            }
            records.append(r)
        }
    }

    /// The file's bytes: the header, then one row per epoch.
    public func encoded() -> Data {
        Data((([EpochRecord.csvHeader] + records.map(\.csvRow)).joined(separator: "\n") + "\n").utf8)
    }

    public func write(to path: String) throws {
        try AtomicFile.write(encoded(), to: path)
    }
}

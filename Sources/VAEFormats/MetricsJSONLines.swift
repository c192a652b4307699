import Foundation

/// metrics.jsonl of a run: one JSON object per line, for tools that read runs (pandas' `read_json(lines=True)`,
/// jq, dashboards). Two kinds, told apart by `"kind"`:
/// - `"step"`, at each log interval: the mean losses per image over the steps since the previous line
///   (`train.loss` = reconstruction + `kl_weight` · KL), the global `step` and the epoch's `step_in_epoch`;
/// - `"epoch"`, after each epoch: the row of metrics.csv (`train` over the epoch, `test` the negative ELBO).
///
/// The file is rewritten whole with each commit of the run folder, so it always matches the saved epoch.
public struct MetricsJSONLines: Sendable {
    /// The file's lines, each a JSON object.
    public private(set) var lines: [String] = []

    public init() {}

    /// The largest file read (a line is about 250 bytes).
    public static let maxFileBytes = 200_000_000

    /// Reads a run's metrics.jsonl, keeping the lines of epochs up to `epoch` (a missing file reads as
    /// empty). Every line must be a JSON object with a whole `epoch` from 1.
    public init(contentsOf path: String, upToEpoch epoch: Int) throws {
        guard FileManager.default.fileExists(atPath: path) else { return }
        let data = try InputFile.contents(of: path, limit: Self.maxFileBytes)
        guard let text = String(validating: data, as: UTF8.self) else {
            throw DataError.corrupt(file: path, reason: "is not UTF-8 text")
        }
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty { continue }
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                let e = object["epoch"] as? Int, e >= 1
            else {
                throw DataError.corrupt(file: path, reason: "line \(n + 1) is not a JSON object with an epoch from 1")
            }
            if e <= epoch { lines.append(String(line)) }
        }
    }

    /// The figures of one log interval.
    public struct Step: Sendable {
        public var epoch: Int, step: Int, stepInEpoch: Int
        /// Mean losses per image over the interval's steps.
        public var train: LossSummary
        public var klWeight: Double
        /// Seconds since the epoch began.
        public var seconds: Double
        public var time: Date

        public init(
            epoch: Int, step: Int, stepInEpoch: Int, train: LossSummary, klWeight: Double, seconds: Double,
            time: Date = Date()
        ) {
            self.epoch = epoch; self.step = step; self.stepInEpoch = stepInEpoch; self.train = train
            self.klWeight = klWeight; self.seconds = seconds; self.time = time
        }
    }

    public mutating func append(_ s: Step) {
        append([
            "kind": "step", "epoch": s.epoch, "step": s.step, "step_in_epoch": s.stepInEpoch,
            "train": Self.object(s.train), "kl_weight": s.klWeight, "seconds": s.seconds,
            "time": Self.timestamp(s.time),
        ])
    }

    /// Appends an epoch's figures; `step` is the global step the epoch ended at.
    public mutating func append(_ r: EpochRecord, step: Int, time: Date? = nil) {
        var object: [String: Any] = [
            "kind": "epoch", "epoch": r.epoch, "step": step, "train": Self.object(r.train),
            "test": Self.object(r.test), "seconds": r.seconds, "samples_per_second": r.samplesPerSecond,
        ]
        if let w = r.klWeight { object["kl_weight"] = w }
        if let b = r.beta { object["beta"] = b }
        if let lr = r.learningRate { object["lr"] = lr }
        if let time { object["time"] = Self.timestamp(time) }
        append(object)
    }

    /// The file's bytes.
    public func encoded() -> Data { Data(lines.map { $0 + "\n" }.joined().utf8) }

    /// A pass's losses as a JSON object.
    public static func object(_ l: LossSummary) -> [String: Any] {
        ["loss": finite(l.loss), "reconstruction": finite(l.reconstruction), "kl": finite(l.kl)]
    }

    /// JSON has no NaN or infinity: such a figure is written as null.
    public static func finite(_ x: Double) -> Any { x.isFinite ? x : NSNull() }

    /// ISO 8601 with milliseconds, in UTC.
    public static func timestamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }

    private mutating func append(_ object: [String: Any]) {
        // Sorted keys: the same figures always give the same bytes.
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        lines.append(data.map { String(decoding: $0, as: UTF8.self) } ?? "{}")
    }
}

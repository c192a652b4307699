import Foundation

/// run.json of a run folder: how the run was made and how it went, for people and tools that compare runs.
///
/// It holds the effective settings (every option after defaults and the resumed run's own settings apply),
/// the resolved data source (an absolute path), the model, and one entry per session (each `vae train`
/// that worked on the folder: its command line, version, device, data-parallel ranks, start and end, status
/// and epochs), then
/// the final figures. It is rewritten (atomically) when a session starts, after each epoch and when the
/// session ends; a session killed outright stays "running" with the epochs it saved.
public final class RunRecord {
    public let path: String
    private var root: [String: Any]
    private var session: [String: Any]

    /// Starts a session's record in `folder`, keeping the earlier sessions of a run file there. A file
    /// that cannot be read is kept beside it as run.json.unreadable, with a note, and a new one started.
    public init(
        folder: String, settings: [String: Any], data: [String: Any], model: [String: Any], command: [String],
        version: String, device: String, firstEpoch: Int, ranks: Int = 1, note: (String) -> Void
    ) {
        path = (folder as NSString).appendingPathComponent("run.json")
        var sessions: [Any] = []
        if FileManager.default.fileExists(atPath: path) {
            if let data = try? InputFile.contents(of: path, limit: 10_000_000),
                let old = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            {
                sessions = old["sessions"] as? [Any] ?? []
            } else {
                let aside = path + ".unreadable"
                _ = rename(path, aside)
                note("vae: \(path) could not be read; kept as \(aside), and a new record started")
            }
        }
        session = [
            "command": command, "version": version, "device": device, "started": Self.timestamp(Date()),
            "status": "running", "first_epoch": firstEpoch, "ranks": ranks,
        ]
        root = [
            "format": "vulkanvae-run/1", "settings": settings, "data": data, "model": model, "version": version,
            "device": device, "sessions": sessions,
        ]
    }

    /// Records a saved epoch: the session's last epoch and the run's figures so far.
    public func epochSaved(_ records: [EpochRecord]) {
        guard let last = records.last else { return }
        session["last_epoch"] = last.epoch
        var final: [String: Any] = [
            "epoch": last.epoch, "train": MetricsJSONLines.object(last.train),
            "test": MetricsJSONLines.object(last.test),
        ]
        if let w = last.klWeight { final["kl_weight"] = w }
        if let best = records.min(by: { $0.test.loss < $1.test.loss }) {
            final["best_test"] = ["epoch": best.epoch, "loss": MetricsJSONLines.finite(best.test.loss)]
        }
        root["final"] = final
    }

    /// Ends the session: `status` is "finished", "stopped" (a signal) or "failed" (with the error's line).
    public func finish(_ status: String, error: String? = nil) {
        session["status"] = status
        session["ended"] = Self.timestamp(Date())
        if let error { session["error"] = error }
    }

    /// Writes the file (atomically). A record that cannot be written does not stop training: the run's
    /// state is in its other files; the caller reports the error.
    public func write() throws {
        var whole = root
        whole["sessions"] = (root["sessions"] as? [Any] ?? []) + [session]
        let data = try JSONSerialization.data(
            withJSONObject: whole, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try AtomicFile.write(data + Data("\n".utf8), to: path)
    }

    static func timestamp(_ date: Date) -> String { MetricsJSONLines.timestamp(date) }
}

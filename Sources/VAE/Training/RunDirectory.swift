import Foundation

/// The folder of one training run, whose state files (model, optimizer, metrics) are committed together:
/// after a kill at any instant the folder holds one epoch's complete set, never a mix of two.
///
/// A commit writes every file under a pending name (flushed to disk), then writes a small journal naming
/// the epoch and the files (atomically), then renames the pending files into place and removes the
/// journal. Opening the folder again finishes an interrupted commit if its journal was written (roll
/// forward) and otherwise removes the pending files (the previous epoch stays), and sweeps temporary
/// files of killed runs. A lock (`flock` on `.lock`, which holds the owner's pid) keeps a second training
/// out of the folder while one runs; the kernel drops it when its process dies, so it never goes stale.
public final class RunDirectory {
    public let path: String
    /// The files a commit writes, by name.
    public static let stateFiles = ["model.safetensors", "optimizer.safetensors", "metrics.csv", "metrics.jsonl"]
    static let journalName = ".commit"
    static let lockName = ".lock"
    private let lockDescriptor: Int32
    /// Whether opening made the folder (so a run that fails before saving anything can remove it).
    private let created: Bool

    /// The points of a commit, for tests that simulate a crash at each.
    public enum CommitStage: Sendable, CaseIterable {
        case pendingWritten, journalWritten, renamed(Int)

        public static let allCases: [CommitStage] =
            [.pendingWritten, .journalWritten] + stateFiles.indices.map { .renamed($0) }
    }

    /// What opening the folder found and did.
    public private(set) var recovery: String?

    /// Opens (making it if needed) and locks the run folder at `path`, then repairs what a killed run
    /// left. Throws when another process holds the lock. `madeForThisRun`: the caller made the (empty)
    /// folder for this run, so it may be removed again if the run saves nothing.
    public init(_ path: String, madeForThisRun: Bool = false) throws {
        self.path = path
        var isDirectory: ObjCBool = false
        let existed = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        if existed, !isDirectory.boolValue {
            throw DataError.cannotWrite(file: path, reason: "it is a file, not a run folder")
        }
        created = !existed || madeForThisRun
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw DataError.cannotWrite(
                file: path, reason: "the folder cannot be made (\(AtomicFile.systemReason(error)))")
        }
        let lockPath = (path as NSString).appendingPathComponent(Self.lockName)
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw DataError.cannotWrite(file: lockPath, reason: AtomicFile.lastError()) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let owner =
                (try? String(contentsOfFile: lockPath, encoding: .utf8))?.trimmingCharacters(
                    in: .whitespacesAndNewlines) ?? ""
            close(fd)
            throw RunError(
                "\(path) is in use by another training run" + (owner.isEmpty ? "" : " (pid \(owner))")
                    + "; wait for it to finish or stop it first")
        }
        let pid = Data("\(ProcessInfo.processInfo.processIdentifier)\n".utf8)
        ftruncate(fd, 0)
        _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        lockDescriptor = fd
        try recover()
    }

    deinit {
        flock(lockDescriptor, LOCK_UN)
        close(lockDescriptor)
    }

    func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    static func pendingName(_ name: String) -> String { ".\(name).pending" }

    /// Whether the folder already holds a run's state (any of its files).
    public var holdsRun: Bool { Self.stateFiles.contains { FileManager.default.fileExists(atPath: file($0)) } }

    /// Finishes or abandons a commit a killed run left, and removes temporary files.
    func recover() throws {
        let journal = file(Self.journalName)
        if let text = try? String(contentsOfFile: journal, encoding: .utf8) {
            let lines = text.split(separator: "\n").map(String.init)
            guard let first = lines.first, first.hasPrefix("epoch "),
                lines.dropFirst().allSatisfy(Self.stateFiles.contains)
            else {
                throw RunError(
                    "\(journal): an unfinished commit whose journal is damaged; remove it to keep the files as they are"
                )
            }
            for name in lines.dropFirst() where FileManager.default.fileExists(atPath: file(Self.pendingName(name))) {
                guard rename(file(Self.pendingName(name)), file(name)) == 0 else {
                    throw DataError.cannotWrite(file: file(name), reason: AtomicFile.lastError())
                }
            }
            AtomicFile.syncDirectory(path)
            unlink(journal)
            recovery = "finished saving \(first) (the previous run was stopped while saving it)"
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var swept = 0
        for name in leftovers where (name.hasPrefix(".") && (name.hasSuffix(".pending") || name.contains(".tmp-"))) {
            if unlink(file(name)) == 0 { swept += 1 }
        }
        if swept > 0 && recovery == nil {
            recovery =
                "removed \(swept) unfinished file(s) of a run that was stopped while saving; its last complete epoch is kept"
        }
    }

    /// Writes `files` (name → bytes, names from `stateFiles`) as one unit for `epoch`. `crashAfter` lets
    /// tests stop the commit at one of its stages as a kill would (it throws there).
    public func commit(
        epoch: Int, files: [(name: String, data: Data)], crashAfter: ((CommitStage) throws -> Void)? = nil
    ) throws {
        precondition(files.allSatisfy { Self.stateFiles.contains($0.name) })
        do {
            for f in files {
                try AtomicFile.writeDurably(f.data, to: file(Self.pendingName(f.name)), reportedAs: file(f.name))
            }
        } catch {
            for f in files { unlink(file(Self.pendingName(f.name))) }  // nothing half-saved stays behind
            throw error
        }
        AtomicFile.syncDirectory(path)
        try crashAfter?(.pendingWritten)
        let journal = (["epoch \(epoch)"] + files.map(\.name)).joined(separator: "\n") + "\n"
        try AtomicFile.write(Data(journal.utf8), to: file(Self.journalName))
        try crashAfter?(.journalWritten)
        for (i, f) in files.enumerated() {
            guard rename(file(Self.pendingName(f.name)), file(f.name)) == 0 else {
                throw DataError.cannotWrite(file: file(f.name), reason: AtomicFile.lastError())
            }
            try crashAfter?(.renamed(i))
        }
        AtomicFile.syncDirectory(path)
        unlink(file(Self.journalName))
    }

    /// Removes what a run that failed before it saved anything wrote (run.json, a TensorBoard event file), and
    /// the folder too if opening made it and nothing but the lock is left: such a run leaves no trace.
    public func discardIfUnused() {
        guard !holdsRun else { return }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        where name == "run.json" || name.hasPrefix("events.out.tfevents.") {
            unlink(file(name))
        }
        guard created, let names = try? FileManager.default.contentsOfDirectory(atPath: path), names == [Self.lockName]
        else { return }
        unlink(file(Self.lockName))
        rmdir(path)
    }

    /// The pictures a run draws from its state.
    public static let pictureFiles = ["samples.png", "reconstructions.png", "loss.png", "manifold.png"]

    /// Whether `name` is one of a run's pictures (the fixed ones, and `samples_NNN.png` of each epoch).
    public static func isPicture(_ name: String) -> Bool {
        pictureFiles.contains(name)
            || (name.hasPrefix("samples_") && name.hasSuffix(".png")
                && name.dropFirst(8).dropLast(4).allSatisfy(\.isNumber) && name.count > 12)
    }

    /// Removes the pictures and records of the run in the folder (for `--overwrite`): its state files stay
    /// until the new run's first commit replaces them all at once, so a new run that fails early loses
    /// nothing. TensorBoard event files go too: the new run's curves would otherwise mix with the old's.
    public func removePictures() throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        let old = names.filter { Self.isPicture($0) || $0.hasPrefix("events.out.tfevents.") || $0 == "run.json" }
        for name in old.sorted() {
            guard unlink(file(name)) == 0 else {
                throw DataError.cannotWrite(file: file(name), reason: AtomicFile.lastError())
            }
        }
    }
}

/// A run folder that cannot be used as asked (locked, already holding a run, inconsistent).
public struct RunError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

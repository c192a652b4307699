import ArgumentParser

/// "Did you mean …?" for a mistyped command or option: the nearest known word by edit distance, when it is
/// close enough to be what was meant.
enum Suggestion {
    /// The known word nearest to `word`, within a third of its length in edits (at least 2, at most 3).
    static func nearest(_ word: String, among known: [String]) -> String? {
        let limit = min(3, max(2, word.count / 3))
        let scored = known.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit }
        return scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }?.0
    }

    /// Levenshtein distance (insertions, deletions and substitutions of characters).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count), current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// A hint for a command line that did not parse because its first word is not a command: the command
    /// meant, if one is near. (The parser itself suggests options.)
    static func hint(arguments: [String], subcommands: [any ParsableCommand.Type]) -> String? {
        let names = subcommands.compactMap { $0.configuration.commandName }
        guard let first = arguments.first, !first.hasPrefix("-"), !names.contains(first),
            let near = nearest(first, among: names)
        else { return nil }
        return "did you mean 'vae \(near)'?"
    }
}

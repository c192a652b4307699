/// A 3×5 pixel font (digits, capitals, the punctuation labels need), drawn at a whole-pixel scale so the
/// labels of pictures and plots need no font files: the same pixels on every machine, and nothing for a
/// portable binary to find at run time. Lower-case letters are drawn as capitals, but for z.
enum PixelFont {
    /// Each glyph's five rows, three bits each (4 = left column).
    static let glyphs: [Character: [UInt8]] = [
        "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [7, 1, 7, 4, 7], "3": [7, 1, 7, 1, 7], "4": [5, 5, 7, 1, 1],
        "5": [7, 4, 7, 1, 7], "6": [7, 4, 7, 5, 7], "7": [7, 1, 1, 1, 1], "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 7],
        "A": [2, 5, 7, 5, 5], "B": [6, 5, 6, 5, 6], "C": [3, 4, 4, 4, 3], "D": [6, 5, 5, 5, 6], "E": [7, 4, 6, 4, 7],
        "F": [7, 4, 6, 4, 4], "G": [3, 4, 5, 5, 3], "H": [5, 5, 7, 5, 5], "I": [7, 2, 2, 2, 7], "J": [1, 1, 1, 5, 2],
        "K": [5, 5, 6, 5, 5], "L": [4, 4, 4, 4, 7], "M": [5, 7, 7, 5, 5], "N": [6, 5, 5, 5, 5], "O": [2, 5, 5, 5, 2],
        "P": [6, 5, 6, 4, 4], "Q": [2, 5, 5, 6, 3], "R": [6, 5, 6, 5, 5], "S": [3, 4, 2, 1, 6], "T": [7, 2, 2, 2, 2],
        "U": [5, 5, 5, 5, 7], "V": [5, 5, 5, 5, 2], "W": [5, 5, 7, 7, 5], "X": [5, 5, 2, 5, 5], "Y": [5, 5, 2, 2, 2],
        "Z": [7, 1, 2, 4, 7], " ": [0, 0, 0, 0, 0], ".": [0, 0, 0, 0, 2], ",": [0, 0, 0, 2, 4], "-": [0, 0, 7, 0, 0],
        "−": [0, 0, 7, 0, 0], "+": [0, 2, 7, 2, 0], ":": [0, 2, 0, 2, 0], "=": [0, 7, 0, 7, 0], "(": [1, 2, 2, 2, 1],
        ")": [4, 2, 2, 2, 4], "[": [3, 2, 2, 2, 3], "]": [6, 2, 2, 2, 6], "/": [1, 1, 2, 4, 4], "%": [5, 1, 2, 4, 5],
        "×": [0, 5, 2, 5, 0], "_": [0, 0, 0, 0, 7], "'": [2, 2, 0, 0, 0], "<": [1, 2, 4, 2, 1], ">": [4, 2, 1, 2, 4],
        "^": [2, 5, 0, 0, 0], "#": [5, 7, 5, 7, 5],
        // A small z, so latent names (z0, z11) are not read as numbers (Z and 2 differ by one pixel).
        "z": [0, 7, 1, 6, 7],
    ]

    /// Glyph pitch in font pixels (3 wide and a space).
    static let advance = 4, height = 5

    /// The width in image pixels of `text` at `scale`.
    static func width(_ text: String, scale: Int) -> Int { max(0, text.count * advance - 1) * scale }

    /// The rows of `c` (its capital for a lower-case letter the font lacks; a box for any other character).
    static func rows(_ c: Character) -> [UInt8] {
        glyphs[c] ?? glyphs[Character(c.uppercased())] ?? [7, 5, 5, 5, 7]
    }

    /// Calls `set(x, y)` for every lit image pixel of `text` with its top-left corner at (x, y).
    static func draw(_ text: String, x: Int, y: Int, scale: Int, _ set: (Int, Int) -> Void) {
        for (k, ch) in text.enumerated() {
            for (r, bits) in rows(ch).enumerated() {
                for c in 0..<3 where bits & (4 >> c) != 0 {
                    for sy in 0..<scale {
                        for sx in 0..<scale { set(x + (k * advance + c) * scale + sx, y + r * scale + sy) }
                    }
                }
            }
        }
    }
}

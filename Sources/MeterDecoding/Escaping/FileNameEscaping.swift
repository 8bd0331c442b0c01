/// The one rule that turns a meter-chosen source (`Reading.source`) into the stem of a file name.
///
/// - A source of 1 to `maximumPlainLength` characters from `[A-Za-z0-9._-]`, other than `.` and `..`, is its own
///   stem, as before this rule existed (`SOURCE_YYYY-MM-DD.csv` keeps its name).
/// - Any other source (empty, too long, or with any other character) becomes a readable prefix (its first
///   `prefixLength` characters with every unsafe one replaced by `_`), the marker `~`, which plain stems never
///   hold, and `StableHash` of its UTF-8 bytes (16 hex digits of its SHA-256). So two distinct sources never share a
///   stem (short of a SHA-256 collision on 64 bits), and a stem is never longer than `maximumLength` bytes.
///
/// Stems hold only `[A-Za-z0-9._~-]`: no `/`, no NUL, no line break, nothing a shell or a terminal reads as special.
/// They may begin with `.` or `-` (a source like `.meter` keeps its name); callers always add a suffix.
public enum FileNameEscaping {
    /// Longest source kept as it is.
    public static let maximumPlainLength = 64
    /// Characters of an escaped source kept in front of the marker.
    public static let prefixLength = 32
    /// Separates the readable prefix from the hash; never part of a plain stem.
    public static let marker: Character = "~"
    /// Upper bound of every stem, in bytes (all ASCII): 64, far below NAME_MAX (255) with any date suffix.
    public static let maximumLength = max(maximumPlainLength, prefixLength + 1 + 16)

    public static func fileStem(forSource source: String) -> String {
        let bytes = Array(source.utf8)
        if !bytes.isEmpty, bytes.count <= maximumPlainLength, bytes.allSatisfy(isSafe), source != ".", source != ".." {
            return source
        }
        var stem = ""
        for scalar in source.unicodeScalars.prefix(prefixLength) {
            stem.unicodeScalars.append(scalar.isASCII && isSafe(UInt8(scalar.value)) ? scalar : "_")
        }
        stem.append(marker)
        stem += StableHash.hex64(bytes)
        return stem
    }

    /// `[A-Za-z0-9._-]`.
    public static func isSafe(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default:
            return false
        }
    }
}

/// The one rule that turns untrusted text (a meter id, an OBIS code) into a single MQTT topic level.
///
/// A topic level must be valid UTF-8 without the level separator `/`, the wildcards `+` and `#`, NUL, control
/// characters (C0, DEL, C1: libmosquitto refuses a topic holding one as "Malformed UTF-8") and Unicode
/// non-characters; we also keep out the bidirectional formatting characters, which make a topic read differently
/// from what it is (`TextSafety`). Each such character, and `%` itself, is written as `%` and the hex digits of its
/// UTF-8 bytes (`a/b` -> `a%2Fb`, ESC -> `%1B`), so distinct inputs stay distinct and a plain id reads as itself.
/// An escaped level longer than `maximumBytes`, and the empty level, keep what fits of the escaped text and end in
/// `%~` and 16 hex digits of a hash of the whole input: `%~` never comes out of the escaping itself.
public enum TopicLevel {
    /// Bytes of an escaped level, at most (the topic as a whole may hold 65 535).
    public static let maximumBytes = 128

    public static func escape(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                for byte in String(scalar).utf8 { appendPercent(byte, to: &out) }
            } else {
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        if !out.isEmpty && out.count <= maximumBytes {
            return String(decoding: out, as: UTF8.self)
        }
        return shortened(out, of: text)
    }

    /// Whether a scalar cannot stand as itself in a topic level.
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x2F, 0x2B, 0x23, 0x25: return true          // / + # %
        default: return TextSafety.isUnsafe(scalar)
        }
    }

    static func appendPercent(_ byte: UInt8, to out: inout [UInt8]) {
        let digits = Array("0123456789ABCDEF".utf8)
        out.append(0x25)
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0F)])
    }

    /// The first part of an escaped level (cut at a character boundary, never inside a `%XX`) and `%~` + hash.
    private static func shortened(_ escaped: [UInt8], of text: String) -> String {
        let suffix = Array("%~".utf8) + Array(StableHash.hex64(Array(text.utf8)).utf8)
        var cut = min(escaped.count, maximumBytes - suffix.count)
        // Back up to the start of a UTF-8 sequence and out of a %XX.
        while cut > 0 && cut < escaped.count && escaped[cut] & 0xC0 == 0x80 { cut -= 1 }
        if cut >= 1 && escaped[cut - 1] == 0x25 { cut -= 1 }
        else if cut >= 2 && escaped[cut - 2] == 0x25 { cut -= 2 }
        return String(decoding: escaped[..<cut] + suffix, as: UTF8.self)
    }
}

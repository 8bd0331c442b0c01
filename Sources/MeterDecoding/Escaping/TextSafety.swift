/// Characters that must never reach a terminal, a log or a topic as themselves when they come from a meter.
public enum TextSafety {
    /// C0 controls (NUL, ESC, BEL, CR, LF, TAB...), DEL, C1 controls (0x80-0x9F, among them the 8-bit CSI and OSC),
    /// the bidirectional formatting characters (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM), line and
    /// paragraph separators, and Unicode non-characters (U+FDD0-U+FDEF and the last two of every plane).
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let value = scalar.value
        switch value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069, 0x2028, 0x2029: return true
        case 0xFDD0...0xFDEF: return true
        default: return value & 0xFFFE == 0xFFFE
        }
    }
}

/// The one rule for untrusted text (meter ids, text values, anything read from a meter or a file) on its way to a
/// terminal or a log: every `TextSafety.isUnsafe` character is written visibly as `\xHH` (below 0x100) or `\u{HHHH}`,
/// and a backslash as `\\`, so that a meter cannot move the cursor, clear the screen, set the window title, ring the
/// bell, start a new log line or reorder what is shown, and two distinct texts never look the same.
public enum TerminalText {
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "\\" || TextSafety.isUnsafe($0) }) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if scalar == "\\" {
                out += "\\\\"
            } else if TextSafety.isUnsafe(scalar) {
                out += scalar.value < 0x100 ? "\\x" + hex(scalar.value, width: 2) : "\\u{" + hex(scalar.value, width: 4) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Like `escape`, but keeps line feeds (and a tab) as they are: for text that is ours and spans lines on purpose,
    /// such as a list of configuration problems that quotes a value from the file.
    public static func escapeKeepingLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in line.split(separator: "\t", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(separator: "\t") }
            .joined(separator: "\n")
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}

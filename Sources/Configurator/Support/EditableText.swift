import Configuration
import Protocols

/// What a text written into the configuration file may not hold, for every subcommand that writes one (`set`,
/// `add-reader`, `add-sink`, the wizard): a line break (CR or LF) would end the line there and start another that the
/// collector reads as a key or a section of its own; a NUL would cut the value where it stands; and a value iniparser
/// could not read back whole in any quoting (`IniTextEditor.unwritableReason`).
enum EditableText {
    /// Why `text` cannot be written, naming the character and `what` it is (`'reader0.port=...'`, `the answer`) but
    /// not repeating the text, which may be a key or a password.
    static func problem(in text: String, what: String) -> String? {
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": return "\(what) holds a line feed (LF); a value must stay on one line"
            case "\r": return "\(what) holds a carriage return (CR); a value must stay on one line"
            case "\0": return "\(what) holds a NUL character, which would cut it short"
            default: continue
            }
        }
        if let value = text.firstIndex(of: "=").map({ String(text[text.index(after: $0)...]).trimmed }) ?? Optional(text),
           let reason = IniTextEditor.unwritableReason(value) ?? IniTextEditor.unwritableReason(text.trimmed) {
            return "\(what) \(reason)"
        }
        return nil
    }
}

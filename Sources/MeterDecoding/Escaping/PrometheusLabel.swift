/// The one rule that puts untrusted text (a meter id, a unit) into a Prometheus label value of the text exposition
/// format: backslash, double quote and line feed are escaped as the format requires (`\\`, `\"`, `\n`); other
/// characters that must never reach a dashboard as themselves (`TextSafety`: controls, bidirectional formatting) are
/// written as `U+XXXX`, so nothing breaks a line or hides in a dashboard.
/// Values longer than `maximumBytes` are cut, with `...` appended.
public enum PrometheusLabel {
    public static let maximumBytes = 256

    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case _ where TextSafety.isUnsafe(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            default: out.unicodeScalars.append(scalar)
            }
            if out.utf8.count > maximumBytes {
                return String(decoding: out.utf8.prefix(maximumBytes), as: UTF8.self) + "..."
            }
        }
        return out
    }
}

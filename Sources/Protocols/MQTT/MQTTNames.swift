/// What MQTT and libmosquitto accept in the names a configuration gives: `topic_prefix` (one or more topic levels)
/// and `client_id`, which is also a level of the status topic `<topic_prefix>/<client_id>/status` (the last will).
/// A publish topic may not hold the wildcards `+` and `#`, NUL or control characters (libmosquitto refuses the will
/// as "Invalid function arguments" and the collector could not start); a client id may not hold a `/` either, which
/// would split its level. Validation runs these rules, so the collector never meets such a name.
public enum MQTTNames {
    /// nil when `value` can start every topic, else what is wrong with it.
    public static func topicProblem(_ value: String) -> String? {
        topicProblem(value, what: "a topic we publish to")
    }

    private static func topicProblem(_ value: String, what: String) -> String? {
        if let bad = value.unicodeScalars.first(where: { $0 == "+" || $0 == "#" }) {
            return "'\(bad)' is an MQTT wildcard, which \(what) may not hold"
        }
        if let bad = value.unicodeScalars.first(where: isControl) {
            return "holds the control character \(name(bad)), which \(what) may not hold"
        }
        return nil
    }

    /// nil when `value` can be a client id and a topic level, else what is wrong with it.
    public static func clientIDProblem(_ value: String) -> String? {
        if value.contains("/") {
            return "'/' would split the client id's level of the status topic (<topic_prefix>/<client_id>/status)"
        }
        return topicProblem(value, what: "the status topic (<topic_prefix>/<client_id>/status)")
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
    }

    private static func name(_ scalar: Unicode.Scalar) -> String {
        guard scalar.value != 0 else { return "NUL" }
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

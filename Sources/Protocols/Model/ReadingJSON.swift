/// The JSON form of a reading used by `smartmeter-config decode`, the JSON-lines sink and the `mqttjson` payload:
///
///     {"source":"LGZ1030655933512","timestamp":"2021-07-06T12:58:18Z","values":[
///       {"obis":"1-0:1.7.0*255","type":"ACTIVE_POWER_P","value":28,"unit":"W"}, ...]}
///
/// A value with its own capture time (M-Bus readings, a maximum demand) adds `"timestamp":"..."` to its object.
public enum ReadingJSON {
    public static func encode(_ reading: Reading) -> String {
        var out = "{\"source\":"
        appendString(reading.source, to: &out)
        out += ",\"timestamp\":\""
        out += CivilTime.iso8601(reading.timestamp)
        out += "\",\"values\":["
        for (index, point) in reading.values.enumerated() {
            if index > 0 { out += "," }
            out += "{\"obis\":\""
            out += point.obis.description
            out += "\",\"type\":"
            if let type = point.type { out += "\""; out += type.rawValue; out += "\"" } else { out += "null" }
            out += ",\"value\":"
            switch point.value {
            case .number(let number): out += formatNumber(number)
            case .text(let text): appendString(text, to: &out)
            }
            out += ",\"unit\":"
            if let unit = point.unit { appendString(unit, to: &out) } else { out += "null" }
            if let timestamp = point.timestamp {
                out += ",\"timestamp\":\""
                out += CivilTime.iso8601(timestamp)
                out += "\""
            }
            out += "}"
        }
        out += "]}"
        return out
    }

    /// Integral values without a fraction (`28`), others in the shortest form that reads back exactly (`0.09`).
    public static func formatNumber(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return "\(value)"
    }

    /// A JSON string literal with the required escapes.
    public static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = Hex.string([UInt8(scalar.value)])
                    out += "\\u00" + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

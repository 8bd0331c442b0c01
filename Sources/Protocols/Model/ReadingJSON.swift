/// The JSON form of a reading used by `smartmeter-config decode`, the JSON-lines sink and the `mqttjson` payload:
///
///     {"source":"LGZ1030655933512","timestamp":"2021-07-06T12:58:18Z","values":[
///       {"obis":"1-0:1.7.0*255","type":"ACTIVE_POWER_P","value":28,"unit":"W"}, ...]}
///
/// A value with its own capture time (M-Bus readings, a maximum demand) adds `"timestamp":"..."` to its object.
/// `append` writes it into a byte buffer the caller reuses (numbers and times through `TextBytes`, no intermediate
/// Strings); `encode` is the same as a String.
public enum ReadingJSON {
    public static func encode(_ reading: Reading) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(128 + reading.values.count * 80)
        append(reading, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    public static func append(_ reading: Reading, to out: inout [UInt8]) {
        out.append(contentsOf: #"{"source":"#.utf8)
        appendString(reading.source, to: &out)
        out.append(contentsOf: #","timestamp":""#.utf8)
        TextBytes.appendISO8601(reading.timestamp, to: &out)
        out.append(contentsOf: #"","values":["#.utf8)
        var first = true
        for point in reading.values {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: #"{"obis":""#.utf8)
            TextBytes.append(point.obis, to: &out)
            out.append(contentsOf: #"","type":"#.utf8)
            if let type = point.type {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: type.rawValue.utf8)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: "null".utf8)
            }
            out.append(contentsOf: #","value":"#.utf8)
            switch point.value {
            case .number(let number): TextBytes.append(number, to: &out)
            case .text(let text): appendString(text, to: &out)
            }
            out.append(contentsOf: #","unit":"#.utf8)
            if let unit = point.unit { appendString(unit, to: &out) } else { out.append(contentsOf: "null".utf8) }
            if let timestamp = point.timestamp {
                out.append(contentsOf: #","timestamp":""#.utf8)
                TextBytes.appendISO8601(timestamp, to: &out)
                out.append(UInt8(ascii: "\""))
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: "]}".utf8)
    }

    /// Integral values without a fraction (`28`), others in the shortest form that reads back exactly (`0.09`).
    public static func formatNumber(_ value: Double) -> String {
        var out: [UInt8] = []
        TextBytes.append(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON string literal with the required escapes.
    public static func appendString(_ text: String, to out: inout String) {
        var bytes: [UInt8] = []
        appendString(text, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// A JSON string literal with the required escapes, as UTF-8 bytes.
    public static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
                switch byte {
                case 0x22: out.append(contentsOf: #"\""#.utf8)
                case 0x5C: out.append(contentsOf: #"\\"#.utf8)
                case 0x0A: out.append(contentsOf: #"\n"#.utf8)
                case 0x0D: out.append(contentsOf: #"\r"#.utf8)
                case 0x09: out.append(contentsOf: #"\t"#.utf8)
                default:
                    out.append(contentsOf: #"\u00"#.utf8)
                    let digits = Array("0123456789ABCDEF".utf8)
                    out.append(digits[Int(byte >> 4)])
                    out.append(digits[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }
}

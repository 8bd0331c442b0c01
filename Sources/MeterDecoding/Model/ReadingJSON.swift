/// The JSON form of a reading used by `smartmeter-config decode`, the JSON-lines sink and the `mqttjson` payload:
///
///     {"source":"LGZ1030655933512","timestamp":"2021-07-06T12:58:18Z","values":[
///       {"obis":"1-0:1.7.0*255","type":"ACTIVE_POWER_P","value":28,"unit":"W"}, ...]}
///
/// A value with its own capture time (M-Bus readings, a maximum demand) adds `"timestamp":"..."` to its object.
/// `appendLine` writes it into an `OutputBytes` the caller reuses: the most it can take is reserved once per reading,
/// then every byte is stored without a check (numbers and times through `ByteWriter`, no intermediate Strings);
/// `append` and `encode` are the same into an array and as a String.
public enum ReadingJSON {
    public static func encode(_ reading: Reading) -> String {
        let maximum = maximumLength(reading)
        return String(unsafeUninitializedCapacity: maximum) { buffer in
            var writer = ByteWriter(buffer.baseAddress!)
            write(reading, to: &writer)
            return writer.cursor - buffer.baseAddress!
        }
    }

    public static func append(_ reading: Reading, to out: inout [UInt8]) {
        out.appendWriting(upTo: maximumLength(reading)) { write(reading, to: &$0) }
    }

    /// The reading and a line break. Memory is reserved part by part (the head, then each value at its longest), so
    /// that each data point is visited once.
    public static func appendLine(_ reading: Reading, to out: OutputBytes) {
        out.write(upTo: headLength(reading)) { head(reading, to: &$0) }
        var first = true
        for point in reading.values {
            out.write(upTo: maximumLength(point)) { value(point, first: first, to: &$0) }
            first = false
        }
        out.write(upTo: 3) { writer in
            writer.text("]}")
            writer.byte(UInt8(ascii: "\n"))
        }
    }

    /// The most `write` can write for `reading`: its fixed text, numbers and times at their longest, and every
    /// meter text as if each byte needed `\u00XX`.
    static func maximumLength(_ reading: Reading) -> Int {
        var total = headLength(reading) + 2
        for point in reading.values { total += maximumLength(point) }
        return total
    }

    private static func headLength(_ reading: Reading) -> Int {
        64 + TextBytes.timeLength + 6 * reading.source.utf8.count
    }

    private static let longestTypeName = DataPointType.allCases.map(\.rawValue.utf8.count).max() ?? 0

    private static func maximumLength(_ point: DataPoint) -> Int {
        var total = 96 + TextBytes.obisLength + TextBytes.numberLength + TextBytes.timeLength + longestTypeName
        if case .text(let text) = point.value { total += 6 * text.utf8.count }
        if let unit = point.unit { total += 6 * unit.utf8.count }
        return total
    }

    static func write(_ reading: Reading, to out: inout ByteWriter) {
        head(reading, to: &out)
        var first = true
        for point in reading.values {
            value(point, first: first, to: &out)
            first = false
        }
        out.text("]}")
    }

    @inline(__always)
    private static func head(_ reading: Reading, to out: inout ByteWriter) {
        out.text(#"{"source":"#)
        string(reading.source, to: &out)
        out.text(#","timestamp":""#)
        out.iso8601(reading.timestamp)
        out.text(#"","values":["#)
    }

    @inline(__always)
    private static func value(_ point: DataPoint, first: Bool, to out: inout ByteWriter) {
        out.text(first ? #"{"obis":""# : #",{"obis":""#)
        out.obis(point.obis)
        out.text(#"","type":"#)
        if let type = point.type {
            out.byte(UInt8(ascii: "\""))
            out.utf8(type.rawValue)
            out.byte(UInt8(ascii: "\""))
        } else {
            out.text("null")
        }
        out.text(#","value":"#)
        switch point.value {
        case .number(let number): out.number(number)
        case .text(let text): string(text, to: &out)
        }
        out.text(#","unit":"#)
        if let unit = point.unit { string(unit, to: &out) } else { out.text("null") }
        if let timestamp = point.timestamp {
            out.text(#","timestamp":""#)
            out.iso8601(timestamp)
            out.byte(UInt8(ascii: "\""))
        }
        out.byte(UInt8(ascii: "}"))
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
        out.appendWriting(upTo: 2 + 6 * text.utf8.count) { string(text, to: &$0) }
    }

    /// A JSON string literal with the required escapes; at most `2 + 6 * text.utf8.count` bytes.
    static func string(_ text: String, to out: inout ByteWriter) {
        out.byte(UInt8(ascii: "\""))
        if text.utf8.withContiguousStorageIfAvailable({ escaped($0, to: &out) }) == nil {
            Array(text.utf8).withUnsafeBufferPointer { escaped($0, to: &out) }
        }
        out.byte(UInt8(ascii: "\""))
    }

    private static func escaped(_ bytes: UnsafeBufferPointer<UInt8>, to out: inout ByteWriter) {
        var start = 0
        for index in 0..<bytes.count {
            let byte = bytes[index]
            guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F else { continue }
            out.bytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index])))
            start = index + 1
            switch byte {
            case 0x22: out.text(#"\""#)
            case 0x5C: out.text(#"\\"#)
            case 0x0A: out.text(#"\n"#)
            case 0x0D: out.text(#"\r"#)
            case 0x09: out.text(#"\t"#)
            default:
                out.text(#"\u00"#)
                out.byte(hexDigits[Int(byte >> 4)])
                out.byte(hexDigits[Int(byte & 0x0F)])
            }
        }
        out.bytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count])))
    }

    private static let hexDigits: [UInt8] = Array("0123456789ABCDEF".utf8)
}

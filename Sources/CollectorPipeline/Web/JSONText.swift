import Protocols

/// A JSON object written field by field into bytes: what the status endpoint needs, without Foundation's encoder.
struct JSONText {
    private(set) var bytes: [UInt8] = []
    private var needsComma = [false]

    mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    mutating func endObject() { close("}") }
    mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    mutating func endArray() { close("]") }

    mutating func field(_ key: String, _ value: String?) {
        self.key(key)
        if let value { ReadingJSON.appendString(value, to: &bytes) } else { bytes += Array("null".utf8) }
    }

    mutating func field(_ key: String, _ value: Int?) {
        self.key(key)
        bytes += Array((value.map(String.init) ?? "null").utf8)
    }

    mutating func field(_ key: String, _ value: Int64?) {
        field(key, value.map { Int($0) })
    }

    mutating func field(_ key: String, _ value: Bool?) {
        self.key(key)
        bytes += Array((value.map { $0 ? "true" : "false" } ?? "null").utf8)
    }

    /// An ISO 8601 UTC time from seconds since 1970.
    mutating func time(_ key: String, _ seconds: Int64?) {
        self.key(key)
        guard let seconds else { bytes += Array("null".utf8); return }
        bytes.append(UInt8(ascii: "\""))
        TextBytes.appendISO8601(seconds, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func open(_ key: String?, _ bracket: Character) {
        if let key { self.key(key) } else { comma() }
        bytes.append(bracket.asciiValue!)
        needsComma.append(false)
    }

    private mutating func close(_ bracket: Character) {
        needsComma.removeLast()
        bytes.append(bracket.asciiValue!)
    }

    private mutating func key(_ key: String) {
        comma()
        ReadingJSON.appendString(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private mutating func comma() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }
}

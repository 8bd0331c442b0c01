/// Writes numbers, times and OBIS codes as UTF-8 digits straight into output memory, without intermediate Strings:
/// the output path of `decode`, the JSON-lines and CSV sinks and the PostgreSQL COPY data, which must keep up with
/// the decoder. The `ByteWriter` forms store into memory reserved beforehand (at most the `...Length` constants); the
/// `[UInt8]` forms are the same for callers that hold an array.
public enum TextBytes {
    /// The most any number, time or OBIS code below writes.
    public static let numberLength = 32
    public static let timeLength = 32
    public static let obisLength = 23

    public static func append(_ value: Int64, to out: inout [UInt8]) {
        out.appendWriting(upTo: numberLength) { $0.integer(value) }
    }

    public static func appendUnsigned(_ value: UInt64, to out: inout [UInt8]) {
        out.appendWriting(upTo: numberLength) { $0.unsigned(value) }
    }

    /// A number as `ReadingJSON.formatNumber` writes it (see `ByteWriter.number`).
    public static func append(_ value: Double, to out: inout [UInt8]) {
        out.appendWriting(upTo: numberLength) { $0.number(value) }
    }

    /// `2021-07-06T12:58:18Z`, as `CivilTime.iso8601`.
    public static func appendISO8601(_ seconds: Int64, to out: inout [UInt8]) {
        out.appendWriting(upTo: timeLength) { $0.iso8601(seconds) }
    }

    /// `1-0:1.7.0*255`, as `ObisCode.description`.
    public static func append(_ obis: ObisCode, to out: inout [UInt8]) {
        out.appendWriting(upTo: obisLength) { $0.obis(obis) }
    }
}

extension ByteWriter {
    /// A signed integer in decimal (at most 20 bytes).
    @inline(__always)
    public mutating func integer(_ value: Int64) {
        if value < 0 {
            byte(UInt8(ascii: "-"))
            unsigned(value.magnitude)
        } else {
            unsigned(UInt64(value))
        }
    }

    /// An unsigned integer in decimal (at most 20 bytes).
    @inline(__always)
    public mutating func unsigned(_ value: UInt64) {
        if value < 10 {
            byte(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var length = 1
        var limit: UInt64 = 10
        while length < 20 && value >= limit {
            length += 1
            limit = limit &* 10
        }
        var rest = value
        var at = cursor + length
        while at > cursor {
            at -= 1
            at.initialize(to: UInt8(ascii: "0") &+ UInt8(rest % 10))
            rest /= 10
        }
        skip(length)
    }

    /// 0 to 255 in decimal.
    @inline(__always)
    mutating func small(_ value: UInt8) {
        if value >= 100 {
            byte(UInt8(ascii: "0") &+ value / 100)
            byte(UInt8(ascii: "0") &+ value / 10 % 10)
        } else if value >= 10 {
            byte(UInt8(ascii: "0") &+ value / 10)
        }
        byte(UInt8(ascii: "0") &+ value % 10)
    }

    /// Two digits with a leading zero.
    @inline(__always)
    mutating func twoDigits(_ value: Int) {
        byte(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value / 10))
        byte(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: value % 10))
    }

    @inline(__always)
    mutating func skip(_ count: Int) {
        self = ByteWriter(cursor + count)
    }

    /// Integral values without a fraction (`28`), others in the shortest form that reads back exactly (`0.09`),
    /// non-finite values as `null`; at most `TextBytes.numberLength` bytes. Values of meters (a register with a
    /// decimal scaler) take the fast path: the fewest decimals `k` (up to 9) with `m / 10^k` giving the value back
    /// exactly, which is what the shortest round-trip form prints; any other value is printed by the standard library.
    public mutating func number(_ value: Double) {
        guard value.isFinite else {
            text("null")
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            integer(Int64(value))
            return
        }
        let magnitude = abs(value)
        if magnitude >= 1e-3 && magnitude < 1e15 {
            var scale = 1.0
            for decimals in 1...9 {
                scale *= 10
                let scaled = (magnitude * scale).rounded()
                guard scaled < 9_007_199_254_740_992 else { break }
                if scaled / scale == magnitude {
                    let digits = UInt64(scaled)
                    var divisor: UInt64 = 1
                    for _ in 0..<decimals { divisor *= 10 }
                    if value < 0 { byte(UInt8(ascii: "-")) }
                    unsigned(digits / divisor)
                    byte(UInt8(ascii: "."))
                    var fraction = digits % divisor
                    for _ in 0..<decimals {
                        divisor /= 10
                        byte(UInt8(ascii: "0") &+ UInt8(fraction / divisor))
                        fraction %= divisor
                    }
                    return
                }
            }
        }
        // The standard library's shortest form: at most 24 characters ("-2.2250738585072014e-308").
        utf8("\(value)")
    }

    /// `2021-07-06T12:58:18Z`, as `CivilTime.iso8601`; at most `TextBytes.timeLength` bytes.
    public mutating func iso8601(_ seconds: Int64) {
        let c = CivilTime.components(ofSeconds: seconds)
        guard c.year >= 0 && c.year <= 9999 else {
            utf8(CivilTime.iso8601(seconds))
            return
        }
        twoDigits(c.year / 100)
        twoDigits(c.year % 100)
        byte(UInt8(ascii: "-"))
        twoDigits(c.month)
        byte(UInt8(ascii: "-"))
        twoDigits(c.day)
        byte(UInt8(ascii: "T"))
        twoDigits(c.hour)
        byte(UInt8(ascii: ":"))
        twoDigits(c.minute)
        byte(UInt8(ascii: ":"))
        twoDigits(c.second)
        byte(UInt8(ascii: "Z"))
    }

    /// `1-0:1.7.0*255`, as `ObisCode.description`; at most 23 bytes.
    @inline(__always)
    public mutating func obis(_ obis: ObisCode) {
        small(obis.a)
        byte(UInt8(ascii: "-"))
        small(obis.b)
        byte(UInt8(ascii: ":"))
        small(obis.c)
        byte(UInt8(ascii: "."))
        small(obis.d)
        byte(UInt8(ascii: "."))
        small(obis.e)
        byte(UInt8(ascii: "*"))
        small(obis.f)
    }
}

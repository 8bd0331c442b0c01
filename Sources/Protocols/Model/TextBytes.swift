/// Appends numbers, times and OBIS codes as UTF-8 digits straight into a byte buffer, without intermediate Strings:
/// the output path of `decode`, the JSON-lines and CSV sinks, which must keep up with the decoder.
public enum TextBytes {
    /// A signed integer in decimal.
    @inline(__always)
    public static func append(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 {
            out.append(UInt8(ascii: "-"))
            appendUnsigned(value.magnitude, to: &out)
        } else {
            appendUnsigned(UInt64(value), to: &out)
        }
    }

    @inline(__always)
    public static func appendUnsigned(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes, room for 20 digits
        var count = 0
        var rest = value
        withUnsafeMutableBytes(of: &digits) { buffer in
            while rest > 0 {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") &+ UInt8(rest % 10)
                rest /= 10
            }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }

    /// Two digits with a leading zero.
    @inline(__always)
    static func appendTwoDigits(_ value: Int, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "0") &+ UInt8(value / 10))
        out.append(UInt8(ascii: "0") &+ UInt8(value % 10))
    }

    /// A number as `ReadingJSON.formatNumber` writes it: integral values without a fraction (`28`), others in the
    /// shortest form that reads back exactly (`0.09`), non-finite values as `null`. Values of meters (a register with
    /// a decimal scaler) take the fast path: the fewest decimals `k` (up to 9) with `m / 10^k` giving the value back
    /// exactly, which is what the shortest round-trip form prints; any other value is printed by the standard library.
    public static func append(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            append(Int64(value), to: &out)
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
                    if value < 0 { out.append(UInt8(ascii: "-")) }
                    appendUnsigned(digits / divisor, to: &out)
                    out.append(UInt8(ascii: "."))
                    var fraction = digits % divisor
                    for _ in 0..<decimals {
                        divisor /= 10
                        out.append(UInt8(ascii: "0") &+ UInt8(fraction / divisor))
                        fraction %= divisor
                    }
                    return
                }
            }
        }
        out.append(contentsOf: "\(value)".utf8)
    }

    /// `2021-07-06T12:58:18Z`, as `CivilTime.iso8601`.
    public static func appendISO8601(_ seconds: Int64, to out: inout [UInt8]) {
        let c = CivilTime.components(ofSeconds: seconds)
        if c.year >= 0 && c.year <= 9999 {
            appendTwoDigits(c.year / 100, to: &out)
            appendTwoDigits(c.year % 100, to: &out)
        } else {
            out.append(contentsOf: CivilTime.iso8601(seconds).utf8)
            return
        }
        out.append(UInt8(ascii: "-"))
        appendTwoDigits(c.month, to: &out)
        out.append(UInt8(ascii: "-"))
        appendTwoDigits(c.day, to: &out)
        out.append(UInt8(ascii: "T"))
        appendTwoDigits(c.hour, to: &out)
        out.append(UInt8(ascii: ":"))
        appendTwoDigits(c.minute, to: &out)
        out.append(UInt8(ascii: ":"))
        appendTwoDigits(c.second, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// `1-0:1.7.0*255`, as `ObisCode.description`.
    public static func append(_ obis: ObisCode, to out: inout [UInt8]) {
        appendUnsigned(UInt64(obis.a), to: &out)
        out.append(UInt8(ascii: "-"))
        appendUnsigned(UInt64(obis.b), to: &out)
        out.append(UInt8(ascii: ":"))
        appendUnsigned(UInt64(obis.c), to: &out)
        out.append(UInt8(ascii: "."))
        appendUnsigned(UInt64(obis.d), to: &out)
        out.append(UInt8(ascii: "."))
        appendUnsigned(UInt64(obis.e), to: &out)
        out.append(UInt8(ascii: "*"))
        appendUnsigned(UInt64(obis.f), to: &out)
    }
}

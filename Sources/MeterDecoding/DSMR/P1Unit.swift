/// Units as P1 and IEC 62056-21 meters write them after `*`, normalised to the units the DLMS side reports:
/// kilo-units become base units with a decimal exponent of 3 (kWh -> Wh, kW -> W, kvarh/kVArh -> varh,
/// kvar/kVAr -> var, kVA -> VA), `Deg` becomes `°`, `m3`, `V`, `A`, `Hz`, `s`, `GJ` stay. Unknown units are
/// passed through as written.
enum P1Unit {
    /// The normalised unit name and the decimal exponent to apply to the value.
    static func normalise(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> (String?, Int) {
        let count = range.count
        guard count > 0 else { return (nil, 0) }
        let first = bytes[range.lowerBound]
        // Kilo prefix (k or K) before a unit we know: strip it and scale by 10^3.
        if count >= 2, first == UInt8(ascii: "k") || first == UInt8(ascii: "K"),
           let base = known(bytes, range.lowerBound + 1..<range.upperBound) {
            return (base, 3)
        }
        if let base = known(bytes, range) { return (base, 0) }
        return (String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self), 0)
    }

    /// Known base units, case-insensitive for the var family (`VAr`, `var`, `Var`).
    private static func known(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> String? {
        @inline(__always) func at(_ offset: Int) -> UInt8 { bytes[range.lowerBound + offset] }
        @inline(__always) func lower(_ offset: Int) -> UInt8 { at(offset) | 0x20 }
        switch range.count {
        case 1:
            switch at(0) {
            case UInt8(ascii: "W"): return "W"
            case UInt8(ascii: "V"): return "V"
            case UInt8(ascii: "A"): return "A"
            case UInt8(ascii: "s"): return "s"
            case UInt8(ascii: "h"): return "h"
            default: return nil
            }
        case 2:
            if at(0) == UInt8(ascii: "W") && at(1) == UInt8(ascii: "h") { return "Wh" }
            if at(0) == UInt8(ascii: "V") && at(1) == UInt8(ascii: "A") { return "VA" }
            if at(0) == UInt8(ascii: "H") && at(1) == UInt8(ascii: "z") { return "Hz" }
            if lower(0) == UInt8(ascii: "m") && at(1) == UInt8(ascii: "3") { return "m3" }
            if at(0) == UInt8(ascii: "G") && at(1) == UInt8(ascii: "J") { return "GJ" }
            if at(0) == UInt8(ascii: "M") && at(1) == UInt8(ascii: "J") { return "MJ" }
            return nil
        case 3:
            if lower(0) == UInt8(ascii: "v") && lower(1) == UInt8(ascii: "a") && lower(2) == UInt8(ascii: "r") {
                return "var"
            }
            if at(0) == UInt8(ascii: "V") && at(1) == UInt8(ascii: "A") && at(2) == UInt8(ascii: "h") { return "VAh" }
            if at(0) == UInt8(ascii: "D") && at(1) == UInt8(ascii: "e") && at(2) == UInt8(ascii: "g") { return "°" }
            if at(0) == UInt8(ascii: "m") && at(1) == UInt8(ascii: "3") && at(2) == UInt8(ascii: "h") { return "m3/h" }
            return nil
        case 4:
            if lower(0) == UInt8(ascii: "v") && lower(1) == UInt8(ascii: "a") && lower(2) == UInt8(ascii: "r")
                && at(3) == UInt8(ascii: "h") {
                return "varh"
            }
            return nil
        default:
            return nil
        }
    }
}

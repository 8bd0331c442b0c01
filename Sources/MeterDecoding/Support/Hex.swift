/// Hexadecimal text <-> bytes, as people paste captures from logs and write keys into configuration files.
public enum Hex {
    public struct ParseError: Error, Equatable, CustomStringConvertible, Sendable {
        /// Character offset in the text where the problem is.
        public let offset: Int
        public let reason: String
        public var description: String { "offset \(offset): \(reason)" }
    }

    /// Parses hex digits, ignoring whitespace (spaces, tabs, line breaks) anywhere, also between the two digits of
    /// a byte. An optional `0x` prefix before a group is accepted.
    public static func bytes<S: StringProtocol>(fromLenient text: S) throws(ParseError) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(text.utf8.count / 2)
        var pendingHigh: UInt8? = nil
        var previous: UInt8 = 0
        for (offset, character) in text.utf8.enumerated() {
            defer { previous = character }
            switch character {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ","):
                continue
            case UInt8(ascii: "x"), UInt8(ascii: "X"):
                // "0x" prefix: the pending nibble must be that zero.
                if pendingHigh == 0 && previous == UInt8(ascii: "0") {
                    pendingHigh = nil
                    continue
                }
                throw ParseError(offset: offset, reason: "unexpected character 'x'")
            default:
                guard let nibble = nibbleValue(character) else {
                    throw ParseError(offset: offset, reason: "not a hex digit: \(printable(character))")
                }
                if let high = pendingHigh {
                    result.append(high << 4 | nibble)
                    pendingHigh = nil
                } else {
                    pendingHigh = nibble
                }
            }
        }
        if pendingHigh != nil {
            throw ParseError(offset: text.utf8.count, reason: "odd number of hex digits")
        }
        return result
    }

    /// Parses exactly `count` bytes of hex without separators (an AES key: 32 hex characters).
    public static func key<S: StringProtocol>(_ text: S, byteCount: Int = 16) -> [UInt8]? {
        let trimmed = text.utf8.filter { $0 != UInt8(ascii: " ") }
        guard trimmed.count == byteCount * 2 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(byteCount)
        var index = 0
        while index < trimmed.count {
            guard let high = nibbleValue(trimmed[index]), let low = nibbleValue(trimmed[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    /// A DLMS encryption key: 32 hex digits (AES-128, security suites 0 and 1) or 64 (AES-256, suite 2); blanks
    /// ignored. nil for anything else.
    public static func encryptionKey<S: StringProtocol>(_ text: S) -> [UInt8]? {
        key(text) ?? key(text, byteCount: 32)
    }

    /// The bytes of a capture as users hand it over: hex text when every byte is a hex digit, blank, line break,
    /// comma or part of `0x`; the bytes as they are otherwise (binary captures and P1 telegrams, which hold `/`, `!`,
    /// `(` and letters past F).
    public static func bytes(fromCapture input: [UInt8]) -> [UInt8] {
        let looksLikeHex = !input.isEmpty && input.allSatisfy(isCaptureText)
        if looksLikeHex, let bytes = try? Hex.bytes(fromLenient: String(decoding: input, as: UTF8.self)) {
            return bytes
        }
        return input
    }

    /// A byte hex text of a capture may hold: a hex digit, a blank, a line break, a comma or part of `0x`.
    @inline(__always)
    public static func isCaptureText(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
             UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"),
             UInt8(ascii: "\r"), UInt8(ascii: ","), UInt8(ascii: "x"), UInt8(ascii: "X"):
            return true
        default:
            return false
        }
    }

    /// Upper-case hex without separators.
    public static func string<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits: [UInt8] = Array("0123456789ABCDEF".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always)
    static func nibbleValue(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return character - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func printable(_ character: UInt8) -> String {
        (0x20..<0x7F).contains(character) ? "'\(Character(Unicode.Scalar(character)))'" : "byte 0x\(string([character]))"
    }
}

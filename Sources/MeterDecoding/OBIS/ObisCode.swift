/// An OBIS code (IEC 62056-61): six value groups A-B:C.D.E*F.
public struct ObisCode: Hashable, Sendable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var a: UInt8, b: UInt8, c: UInt8, d: UInt8, e: UInt8, f: UInt8

    public init(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8, _ f: UInt8 = 255) {
        self.a = a; self.b = b; self.c = c; self.d = d; self.e = e; self.f = f
    }

    /// The six bytes of a COSEM logical name.
    public init?<C: Collection>(logicalName bytes: C) where C.Element == UInt8 {
        guard bytes.count == 6 else { return nil }
        var i = bytes.startIndex
        func next() -> UInt8 { defer { i = bytes.index(after: i) }; return bytes[i] }
        self.init(next(), next(), next(), next(), next(), next())
    }

    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let text: String
        public var description: String { "not an OBIS code: '\(text)'" }
    }

    /// Parses `1-0:1.8.0*255`, `1-0:1.8.0.255`, `1-0:1.8.0`, `1.8.0` (A=1, B=0) and `0-1:24.2.1`.
    public init(parsing text: String) throws(ParseError) {
        var groups: [Int] = []
        var separators: [Character] = []
        var current: Int? = nil
        for character in text {
            if let digit = character.wholeNumberValue, character.isASCII {
                current = (current ?? 0) * 10 + digit
                guard current! <= 255 else { throw ParseError(text: text) }
            } else if "-:.*".contains(character) {
                guard let value = current else { throw ParseError(text: text) }
                groups.append(value)
                separators.append(character)
                current = nil
            } else {
                throw ParseError(text: text)
            }
        }
        guard let last = current else { throw ParseError(text: text) }
        groups.append(last)
        let g = groups.map { UInt8($0) }
        switch (groups.count, separators.first) {
        case (3, "."): self.init(1, 0, g[0], g[1], g[2])
        case (5, "-") where separators[1] == ":": self.init(g[0], g[1], g[2], g[3], g[4])
        case (6, "-") where separators[1] == ":": self.init(g[0], g[1], g[2], g[3], g[4], g[5])
        default: throw ParseError(text: text)
        }
    }

    public init(stringLiteral value: String) {
        do { try self.init(parsing: value) } catch { preconditionFailure("\(error)") }
    }

    /// `1-0:1.7.0*255`.
    public var description: String { "\(a)-\(b):\(c).\(d).\(e)*\(f)" }

    /// `1.7.0`: the C.D.E part users know from meter displays.
    public var shortDescription: String { "\(c).\(d).\(e)" }

    public static func < (lhs: ObisCode, rhs: ObisCode) -> Bool {
        (lhs.a, lhs.b, lhs.c, lhs.d, lhs.e, lhs.f) < (rhs.a, rhs.b, rhs.c, rhs.d, rhs.e, rhs.f)
    }

    /// Whether C.D.E (ignoring A, B and F) are the given ones.
    @inline(__always)
    public func hasCDE(_ c: UInt8, _ d: UInt8, _ e: UInt8) -> Bool { self.c == c && self.d == d && self.e == e }
}

extension ObisCode {
    /// Well-known abstract objects (A = 0).
    public enum Abstract {
        public static let clock: ObisCode = "0-0:1.0.0*255"
        public static let logicalDeviceName: ObisCode = "0-0:42.0.0*255"
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// What the server would refuse in a reading's rows, checked before the insert so that a meter's id or value
/// cannot make the server refuse a whole batch: a NUL in a text (PostgreSQL's `text` cannot hold it, and it would
/// cut the array literal short), an id longer than `maximumIDBytes` (its primary key would not fit a btree index
/// row), a value outside `real`'s range, or a time outside the years 1 to 9999.
extension PremisesRows {
    public enum Problem: Sendable, Equatable, CustomStringConvertible {
        case nulInText
        case idTooLong(bytes: Int)
        case valueOutOfRange(Double)
        case timeOutOfRange(Int64)

        /// The same for every reading refused for the same reason: what is logged once.
        public var kind: String {
            switch self {
            case .nulInText: return "NUL in a text"
            case .idTooLong: return "id longer than \(PremisesRows.maximumIDBytes) bytes"
            case .valueOutOfRange: return "value outside the range of real"
            case .timeOutOfRange: return "time outside the years 1 to 9999"
            }
        }

        public var description: String {
            switch self {
            case .nulInText: return kind
            case .idTooLong(let bytes): return "\(kind) (\(bytes) bytes)"
            case .valueOutOfRange(let value): return "\(kind) (\(value))"
            case .timeOutOfRange(let seconds): return "\(kind) (\(seconds) s since 1970)"
            }
        }
    }

    /// Longest device or M-Bus id stored, in UTF-8 bytes (DSMR allows 96 characters).
    public static let maximumIDBytes = 256

    /// The first problem found, nil when the server can take every row.
    public var problem: Problem? {
        for row in electricity {
            if let problem = Self.check(row.time) ?? Self.check(id: row.device) ?? Self.check(text: row.name)
                ?? Self.check(row.value) { return problem }
        }
        for row in mbus {
            if let problem = Self.check(row.time) ?? Self.check(id: row.device) ?? Self.check(id: row.mbusID)
                ?? row.mbusType.flatMap(Self.check(text:)) ?? Self.check(row.value) { return problem }
        }
        for row in peaks {
            if let problem = Self.check(row.time) ?? Self.check(id: row.device) ?? Self.check(row.value) { return problem }
        }
        for row in peakHistory {
            if let problem = Self.check(row.time) ?? Self.check(id: row.device) ?? row.occurred.flatMap(Self.check)
                ?? Self.check(row.value) { return problem }
        }
        return nil
    }

    static func check(text: String) -> Problem? {
        let hasNul = text.utf8.withContiguousStorageIfAvailable { $0.isEmpty ? false : memchr($0.baseAddress!, 0, $0.count) != nil }
            ?? text.utf8.contains(0)
        return hasNul ? .nulInText : nil
    }

    static func check(id: String) -> Problem? {
        if let problem = check(text: id) { return problem }
        return id.utf8.count > maximumIDBytes ? .idTooLong(bytes: id.utf8.count) : nil
    }

    /// Finite, and neither beyond `Float`'s largest value nor so small that PostgreSQL would round it to zero.
    static func check(_ value: Double) -> Problem? {
        let size = value.magnitude
        let fits = value.isFinite && size <= Double(Float.greatestFiniteMagnitude)
            && (size == 0 || size >= Double(Float.leastNormalMagnitude))
        return fits ? nil : .valueOutOfRange(value)
    }

    /// 0001-01-01T00:00:00Z ..< 10000-01-01T00:00:00Z, what `CivilTime.iso8601` writes with four digits.
    static func check(_ time: Int64) -> Problem? {
        (-62_135_596_800..<253_402_300_800).contains(time) ? nil : .timeOutOfRange(time)
    }
}

import Glibc

/// A time zone's offsets from UTC, read from the system's time zone database: the TZif files under
/// /usr/share/zoneinfo (RFC 8536) that Debian's `tzdata` package (priority required) installs. Instants after the
/// file's last transition follow the POSIX TZ rule in the file's footer (e.g. `CET-1CEST,M3.5.0,M10.5.0/3`), so
/// "slim" files and years past 2037 work too. No Foundation: FoundationEssentials has no named zones.
public struct TimeZoneRules: Sendable {
    /// The offset and daylight-saving flag in force at an instant.
    public struct LocalTime: Sendable, Equatable {
        public var offset: Int64
        public var isDaylight: Bool

        public init(offset: Int64, isDaylight: Bool) {
            self.offset = offset
            self.isDaylight = isDaylight
        }
    }

    public let identifier: String
    private let transitions: [Int64]      // UTC seconds, ascending
    private let localTimeAfter: [LocalTime] // in force from the transition of the same index on
    private let beforeFirst: LocalTime
    private let rule: PosixTimeZoneRule?

    public static let utc = TimeZoneRules(identifier: "UTC", transitions: [], localTimeAfter: [],
                                          beforeFirst: LocalTime(offset: 0, isDaylight: false), rule: nil)

    private init(identifier: String, transitions: [Int64], localTimeAfter: [LocalTime], beforeFirst: LocalTime,
                 rule: PosixTimeZoneRule?) {
        self.identifier = identifier
        self.transitions = transitions
        self.localTimeAfter = localTimeAfter
        self.beforeFirst = beforeFirst
        self.rule = rule
    }

    /// The zone named like `Europe/Zurich`, or nil when the database has no such zone.
    public init?(identifier: String, database: String = "/usr/share/zoneinfo") {
        if identifier == "UTC" || identifier == "GMT" { self = .utc; return }
        let allowed = identifier.utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
                || byte == UInt8(ascii: "+")
        }
        guard allowed, !identifier.isEmpty, !identifier.hasPrefix("/"), !identifier.contains("..") else { return nil }
        guard let bytes = Self.readFile(database + "/" + identifier) else { return nil }
        self.init(identifier: identifier, tzif: bytes)
    }

    /// Parses a TZif file (version 1 to 4); nil when it is not one.
    public init?(identifier: String, tzif bytes: [UInt8]) {
        var parser = TZifParser(bytes)
        guard let parsed = parser.parse() else { return nil }
        self.init(identifier: identifier, transitions: parsed.transitions, localTimeAfter: parsed.localTimeAfter,
                  beforeFirst: parsed.beforeFirst, rule: parsed.footer.flatMap(PosixTimeZoneRule.init))
    }

    /// The zone of this system: `TZ` (a zone name, optionally with a leading ':'), else /etc/localtime, else UTC.
    public static func system(environment: [String: String]? = nil) -> TimeZoneRules {
        let tz = environment.map { $0["TZ"] } ?? getenv("TZ").map { String(cString: $0) }
        if let tz, !tz.isEmpty {
            let name = tz.hasPrefix(":") ? String(tz.dropFirst()) : tz
            if let zone = TimeZoneRules(identifier: name) { return zone }
            if let rule = PosixTimeZoneRule(name) {
                return TimeZoneRules(identifier: name, transitions: [], localTimeAfter: [],
                                     beforeFirst: rule.standard, rule: rule)
            }
        }
        if let bytes = readFile("/etc/localtime"), let zone = TimeZoneRules(identifier: "localtime", tzif: bytes) {
            return zone
        }
        return .utc
    }

    /// The local time type in force at a UTC instant.
    public func localTime(atUTC seconds: Int64) -> LocalTime {
        guard let last = transitions.last else { return rule?.localTime(atUTC: seconds) ?? beforeFirst }
        if seconds >= last, let rule { return rule.localTime(atUTC: seconds) }
        if seconds < transitions[0] { return beforeFirst }
        // The last transition at or before `seconds`.
        var low = 0, high = transitions.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if transitions[middle] <= seconds { low = middle } else { high = middle - 1 }
        }
        return localTimeAfter[low]
    }

    public func secondsFromUTC(atUTC seconds: Int64) -> Int64 { localTime(atUTC: seconds).offset }

    public func isDaylightSavingTime(atUTC seconds: Int64) -> Bool { localTime(atUTC: seconds).isDaylight }

    /// The zone's TZif file, at most 1 MiB (the largest in tzdata is a few KiB). The one file this target reads:
    /// system data, never the meter's input.
    private static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while bytes.count <= 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return count == 0 ? bytes : nil }
            bytes += chunk[..<count]
        }
        return nil
    }
}

/// The TZif binary layout: a header with six counts, then the data block (32-bit times in version 1; version 2 and
/// later repeat header and data with 64-bit times, followed by a newline-enclosed POSIX TZ footer).
private struct TZifParser {
    struct Result {
        var transitions: [Int64]
        var localTimeAfter: [TimeZoneRules.LocalTime]
        var beforeFirst: TimeZoneRules.LocalTime
        var footer: String?
    }

    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    mutating func parse() -> Result? {
        guard bytes.count >= 44, bytes[0..<4].elementsEqual("TZif".utf8) else { return nil }
        let version = bytes[4]
        guard let first = header(at: 0) else { return nil }
        if version == 0 { return block(at: 44, counts: first, timeSize: 4, footer: false) }
        let secondHeader = 44 + first.dataLength(timeSize: 4)
        guard let second = header(at: secondHeader) else { return nil }
        return block(at: secondHeader + 44, counts: second, timeSize: 8, footer: true)
    }

    private struct Counts {
        var isUTC, isStandard, leap, time, type, characters: Int

        func dataLength(timeSize: Int) -> Int {
            time * timeSize + time + type * 6 + characters + leap * (timeSize + 4) + isStandard + isUTC
        }
    }

    private func header(at offset: Int) -> Counts? {
        guard offset + 44 <= bytes.count, bytes[offset..<offset + 4].elementsEqual("TZif".utf8) else { return nil }
        func count(_ index: Int) -> Int { Int(bigEndian(at: offset + 20 + 4 * index, size: 4)) }
        let counts = Counts(isUTC: count(0), isStandard: count(1), leap: count(2), time: count(3), type: count(4),
                            characters: count(5))
        guard counts.type > 0, counts.type <= 256, counts.time <= 100_000, counts.leap <= 10_000,
              counts.characters <= 10_000 else { return nil }
        return counts
    }

    private func block(at start: Int, counts: Counts, timeSize: Int, footer hasFooter: Bool) -> Result? {
        let end = start + counts.dataLength(timeSize: timeSize)
        guard end <= bytes.count else { return nil }
        var offset = start
        var transitions: [Int64] = []
        transitions.reserveCapacity(counts.time)
        for _ in 0..<counts.time {
            var value = Int64(bitPattern: bigEndian(at: offset, size: timeSize))
            if timeSize == 4 { value = Int64(Int32(truncatingIfNeeded: value)) }
            transitions.append(value)
            offset += timeSize
        }
        let indices = Array(bytes[offset..<offset + counts.time])
        offset += counts.time
        var types: [TimeZoneRules.LocalTime] = []
        for index in 0..<counts.type {
            let base = offset + 6 * index
            let utcOffset = Int64(Int32(bitPattern: UInt32(truncatingIfNeeded: bigEndian(at: base, size: 4))))
            types.append(.init(offset: utcOffset, isDaylight: bytes[base + 4] != 0))
        }
        guard indices.allSatisfy({ Int($0) < types.count }) else { return nil }
        // RFC 8536 3.2: local time before the first transition is type 0.
        var result = Result(transitions: transitions, localTimeAfter: indices.map { types[Int($0)] },
                            beforeFirst: types[0], footer: nil)
        if hasFooter, end < bytes.count, bytes[end] == 0x0A,
           let close = bytes[(end + 1)...].firstIndex(of: 0x0A), close > end + 1 {
            result.footer = String(decoding: bytes[(end + 1)..<close], as: UTF8.self)
        }
        return result
    }

    private func bigEndian(at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<size { value = value << 8 | UInt64(bytes[offset + index]) }
        return value
    }
}

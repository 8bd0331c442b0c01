import Protocols
import Testing
import TestThreads

@Suite("Wall clock to UTC around the transitions", .onOwnThread)
struct ZoneOffsetResolverTests {
    /// Seconds since 1970 of a civil date and time read as UTC (the wall-clock number the resolver takes).
    static func civil(_ year: Int64, _ month: Int64, _ day: Int64, _ hour: Int64, _ minute: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return days * 86_400 + hour * 3_600 + minute * 60
    }

    struct Example: Sendable, CustomStringConvertible {
        let zone: String
        let wall: Int64
        let utc: Int64
        let what: String
        var description: String { "\(zone) \(what)" }
    }

    static let examples: [Example] = [
        // Europe/Zurich: summer time ends 2026-10-25 03:00 CEST (01:00 UTC); begins 2026-03-29 02:00 CET (01:00 UTC).
        Example(zone: "Europe/Zurich", wall: civil(2026, 10, 25, 2, 30), utc: civil(2026, 10, 25, 0, 30),
                what: "repeated hour: the first (summer) occurrence"),
        Example(zone: "Europe/Zurich", wall: civil(2026, 10, 25, 1, 59), utc: civil(2026, 10, 24, 23, 59),
                what: "the minute before the repeated hour"),
        Example(zone: "Europe/Zurich", wall: civil(2026, 10, 25, 3, 0), utc: civil(2026, 10, 25, 2, 0),
                what: "the hour after the repeated one"),
        Example(zone: "Europe/Zurich", wall: civil(2026, 3, 29, 2, 30), utc: civil(2026, 3, 29, 1, 30),
                what: "skipped hour: the offset before the transition"),
        Example(zone: "Europe/Zurich", wall: civil(2026, 3, 29, 3, 0), utc: civil(2026, 3, 29, 1, 0),
                what: "the first minute of summer time"),
        // Europe/Dublin keeps Irish Standard Time in summer (a negative save in the tz database): same wall clock.
        Example(zone: "Europe/Dublin", wall: civil(2026, 10, 25, 1, 30), utc: civil(2026, 10, 25, 0, 30),
                what: "repeated hour: the first (IST) occurrence"),
        Example(zone: "Europe/Oslo", wall: civil(2026, 7, 1, 12, 0), utc: civil(2026, 7, 1, 10, 0),
                what: "midsummer, far from any transition"),
        Example(zone: "America/New_York", wall: civil(2026, 11, 1, 1, 30), utc: civil(2026, 11, 1, 5, 30),
                what: "repeated hour west of Greenwich: the first (EDT) occurrence"),
    ]

    @Test("wall-clock times near and far from the transitions", arguments: examples)
    func resolves(_ example: Example) throws {
        let resolver = try #require(ZoneOffsetResolver(identifier: example.zone))
        #expect(resolver.utcSeconds(fromWallClock: example.wall) == example.utc)
    }

    @Test("every quarter hour of two years in Zurich maps back to its wall clock, except the skipped hours")
    func roundTrip() throws {
        let zone = try #require(TimeZoneRules(identifier: "Europe/Zurich"))
        var wall = Self.civil(2025, 1, 1, 0, 0)
        let end = Self.civil(2027, 1, 1, 0, 0)
        var skipped = 0
        while wall < end {
            let utc = ZoneOffsetResolver(zone: zone).utcSeconds(fromWallClock: wall)
            if utc + zone.secondsFromUTC(atUTC: utc) == wall {
                // Never the later of two instants with this wall clock.
                let earlier = utc - 3_600
                #expect(earlier + zone.secondsFromUTC(atUTC: earlier) != wall)
            } else {
                skipped += 1
            }
            wall += 900
        }
        #expect(skipped == 8, "two skipped hours of four quarters")
    }
}

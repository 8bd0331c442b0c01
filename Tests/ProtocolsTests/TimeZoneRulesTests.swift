import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

@Suite("time zones from the system's tz database and POSIX TZ rules", .onOwnThread)
struct TimeZoneRulesTests {
    /// glibc's answer (`date` with TZ set) for the UTC offset at each instant, in seconds.
    static func glibcOffsets(zone: String, instants: [Int64]) throws -> [Int64] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tz-\(UUID().uuidString).txt")
        try instants.map { "@\($0)" }.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let output = try Shell.run("/usr/bin/env", ["TZ=\(zone)", "date", "-f", file.path, "+%z"])
        return output.split(separator: "\n").map { line in
            let sign: Int64 = line.hasPrefix("-") ? -1 : 1
            let digits = Array(line.dropFirst())
            let hours = Int64(String(digits[0..<2]))!, minutes = Int64(String(digits[2..<4]))!
            return sign * (hours * 3_600 + minutes * 60)
        }
    }

    @Test("offsets agree with glibc from 1950 to 2100, across both hemispheres and half-hour zones",
          arguments: ["Europe/Zurich", "Europe/Brussels", "Europe/Helsinki", "Europe/London", "America/New_York",
                      "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham", "America/Sao_Paulo"])
    func agreesWithGlibc(zone: String) throws {
        let rules = try #require(TimeZoneRules(identifier: zone))
        var instants: [Int64] = []
        var instant = CivilTime.secondsSinceEpoch(year: 1950, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        let end = CivilTime.secondsSinceEpoch(year: 2100, month: 1, day: 1, hour: 0, minute: 0, second: 0)
        while instant < end {
            instants.append(instant)
            instant += 3 * 86_400 + 3_607
        }
        // Both sides of every change our rules see in 2026 and 2045 (the latter past a fat file's transitions).
        for year in [2026, 2045] {
            let start = CivilTime.secondsSinceEpoch(year: year, month: 1, day: 1, hour: 0, minute: 0, second: 0)
            var previous = rules.secondsFromUTC(atUTC: start)
            for hour in stride(from: start, to: start + 366 * 86_400, by: 3_600) {
                let offset = rules.secondsFromUTC(atUTC: hour)
                if offset != previous { instants += [hour - 3_601, hour - 1, hour, hour + 1] }
                previous = offset
            }
        }
        let expected = try Self.glibcOffsets(zone: zone, instants: instants)
        #expect(expected.count == instants.count)
        var mismatches: [String] = []
        for (instant, offset) in zip(instants, expected) where rules.secondsFromUTC(atUTC: instant) != offset {
            mismatches.append("\(CivilTime.iso8601(instant)): \(rules.secondsFromUTC(atUTC: instant)) vs glibc \(offset)")
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    @Test("summer time in Zurich 2026: from 29 March 01:00 UTC to 25 October 01:00 UTC")
    func zurichSummer2026() throws {
        let zurich = try #require(TimeZoneRules(identifier: "Europe/Zurich"))
        let start = CivilTime.secondsSinceEpoch(year: 2026, month: 3, day: 29, hour: 1, minute: 0, second: 0)
        let end = CivilTime.secondsSinceEpoch(year: 2026, month: 10, day: 25, hour: 1, minute: 0, second: 0)
        #expect(zurich.localTime(atUTC: start - 1) == .init(offset: 3_600, isDaylight: false))
        #expect(zurich.localTime(atUTC: start) == .init(offset: 7_200, isDaylight: true))
        #expect(zurich.localTime(atUTC: end - 1) == .init(offset: 7_200, isDaylight: true))
        #expect(zurich.localTime(atUTC: end) == .init(offset: 3_600, isDaylight: false))
    }

    @Test("POSIX rules: northern and southern summers, fixed offsets with quoted names, US default")
    func posixRules() throws {
        let central = TimeZoneRules.system(environment: ["TZ": "CET-1CEST,M3.5.0,M10.5.0/3"])
        let july = CivilTime.secondsSinceEpoch(year: 2031, month: 7, day: 1, hour: 12, minute: 0, second: 0)
        let january = CivilTime.secondsSinceEpoch(year: 2031, month: 1, day: 1, hour: 12, minute: 0, second: 0)
        #expect(central.localTime(atUTC: july) == .init(offset: 7_200, isDaylight: true))
        #expect(central.localTime(atUTC: january) == .init(offset: 3_600, isDaylight: false))
        let sydney = TimeZoneRules.system(environment: ["TZ": "AEST-10AEDT,M10.1.0,M4.1.0/3"])
        #expect(sydney.localTime(atUTC: january) == .init(offset: 39_600, isDaylight: true))
        #expect(sydney.localTime(atUTC: july) == .init(offset: 36_000, isDaylight: false))
        let tehran = TimeZoneRules.system(environment: ["TZ": "<+0330>-3:30"])
        #expect(tehran.secondsFromUTC(atUTC: july) == 12_600)
        let eastern = TimeZoneRules.system(environment: ["TZ": "EST5EDT"])
        #expect(eastern.secondsFromUTC(atUTC: july) == -14_400)
        #expect(eastern.secondsFromUTC(atUTC: january) == -18_000)
        #expect(TimeZoneRules.system(environment: ["TZ": ":Europe/Helsinki"]).identifier == "Europe/Helsinki")
        #expect(TimeZoneRules.system(environment: ["TZ": "no such zone,,"]).identifier != "no such zone,,")
    }

    @Test("a slim TZif file (no transitions, only the footer rule) follows the rule")
    func slimFile() throws {
        var bytes = Array("TZif2".utf8) + [UInt8](repeating: 0, count: 15)
        let counts: [UInt32] = [0, 0, 0, 0, 1, 4]   // isut, isstd, leap, time, type, characters
        func header() -> [UInt8] { bytes.prefix(20) + counts.flatMap { withUnsafeBytes(of: $0.bigEndian, Array.init) } }
        let data: [UInt8] = [0, 0, 0x0E, 0x10, 0, 0] + Array("CET\0".utf8)   // one type: +3600, standard
        bytes = header() + data + header() + data + Array("\nCET-1CEST,M3.5.0,M10.5.0/3\n".utf8)
        let zone = try #require(TimeZoneRules(identifier: "slim", tzif: bytes))
        let july = CivilTime.secondsSinceEpoch(year: 2026, month: 7, day: 1, hour: 0, minute: 0, second: 0)
        #expect(zone.localTime(atUTC: july) == .init(offset: 7_200, isDaylight: true))
        #expect(zone.secondsFromUTC(atUTC: july + 180 * 86_400) == 3_600)
    }

    @Test("unknown names, paths out of the database and files that are not TZif are refused")
    func refused() {
        #expect(TimeZoneRules(identifier: "Europe/Atlantis") == nil)
        #expect(TimeZoneRules(identifier: "../../../etc/passwd") == nil)
        #expect(TimeZoneRules(identifier: "/etc/localtime") == nil)
        #expect(TimeZoneRules(identifier: "") == nil)
        #expect(TimeZoneRules(identifier: "x", tzif: Array("TZif2 but short".utf8)) == nil)
        #expect(TimeZoneRules(identifier: "UTC")?.secondsFromUTC(atUTC: 0) == 0)
    }
}

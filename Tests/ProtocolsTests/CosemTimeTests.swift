import Foundation
import Protocols
import Testing
import TestThreads

@Suite("COSEM date-time, time zones and OBIS codes", .onOwnThread)
struct CosemTimeTests {
    static let zurich = ZoneOffsetResolver(identifier: "Europe/Zurich")!

    static func dateTime(_ hex: String) -> CosemDateTime {
        CosemDateTime(bytes: (try! Hex.bytes(fromLenient: hex))[...])
    }

    @Test("a transmitted deviation gives UTC directly (-120 = UTC+02:00)")
    func deviation() {
        let value = Self.dateTime("07E4080F0606132D00FF8880")
        #expect(value.deviationMinutes == -120)
        #expect(value.utcSeconds(in: Self.zurich).map(CivilTime.iso8601) == "2020-08-15T04:19:45Z")
    }

    @Test("deviation 0x8000 means local time of the reader's zone, summer and winter")
    func unspecifiedDeviation() {
        #expect(Self.dateTime("07EA0504010B2715FF800081").utcSeconds(in: Self.zurich).map(CivilTime.iso8601)
                == "2026-05-04T09:39:21Z")
        #expect(Self.dateTime("07E60B16020A1E00FF800000").utcSeconds(in: Self.zurich).map(CivilTime.iso8601)
                == "2022-11-22T09:30:00Z")
        let helsinki = ZoneOffsetResolver(identifier: "Europe/Helsinki")!
        #expect(Self.dateTime("07EA0504010B2715FF800081").utcSeconds(in: helsinki).map(CivilTime.iso8601)
                == "2026-05-04T08:39:21Z")
    }

    @Test("around the DST changes the resolver agrees with Foundation")
    func transitions() {
        let zone = TimeZone(identifier: "Europe/Zurich")!
        // 2026-03-29 and 2026-10-25 are the change days; step through both nights every 10 minutes.
        for (day, month) in [(29, 3), (25, 10)] {
            for minuteOfNight in stride(from: 0, to: 6 * 60, by: 10) {
                let hour = minuteOfNight / 60, minute = minuteOfNight % 60
                if month == 3 && hour == 2 { continue }   // 02:xx does not exist that night
                let wall = CivilTime.secondsSinceEpoch(year: 2026, month: month, day: day, hour: hour, minute: minute, second: 0)
                let utc = Self.zurich.utcSeconds(fromWallClock: wall)
                let offset = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(utc))))
                #expect(utc + offset == wall, "\(day).\(month). \(hour):\(minute)")
            }
        }
    }

    @Test("unspecified or impossible fields give no time")
    func invalid() {
        #expect(Self.dateTime("FFFFFFFFFFFFFFFFFF800000").wallClockSeconds == nil)
        #expect(Self.dateTime("07EA021E010B2715FF800000").wallClockSeconds == nil)   // 30 February
        #expect(CosemDateTime(bytes: [0x07, 0xEA][...]).wallClockSeconds == nil)
    }

    @Test("civil calendar round trip over leap years")
    func civil() {
        for seconds in stride(from: Int64(0), to: 4_102_444_800, by: 86_400 * 37 + 3_671) {
            let c = CivilTime.components(ofSeconds: seconds)
            #expect(CivilTime.secondsSinceEpoch(year: c.year, month: c.month, day: c.day, hour: c.hour,
                                                minute: c.minute, second: c.second) == seconds)
        }
        #expect(CivilTime.iso8601(951_782_400) == "2000-02-29T00:00:00Z")
    }

    @Test("OBIS codes parse in every written form and print as A-B:C.D.E*F")
    func obis() throws {
        #expect(try ObisCode(parsing: "1-0:1.8.0*255") == ObisCode(1, 0, 1, 8, 0, 255))
        #expect(try ObisCode(parsing: "1-0:1.8.0.255") == ObisCode(1, 0, 1, 8, 0, 255))
        #expect(try ObisCode(parsing: "0-1:24.2.1") == ObisCode(0, 1, 24, 2, 1, 255))
        #expect(try ObisCode(parsing: "1.7.0") == ObisCode(1, 0, 1, 7, 0, 255))
        #expect(ObisCode(1, 1, 31, 7, 0).description == "1-1:31.7.0*255")
        #expect(ObisCode(logicalName: [0, 0, 42, 0, 0, 255]) == ObisCode.Abstract.logicalDeviceName)
        for bad in ["", "1-0", "1-0:1.8.256", "a.b.c", "1-0:1.8.0*", "1:0-1.8.0"] {
            #expect(throws: ObisCode.ParseError.self) { try ObisCode(parsing: bad) }
        }
    }
}

import Foundation
@testable import MeterDecoding
@testable import Protocols
import Testing
import TestThreads

/// The S/W flag of P1 times sets the offset (W: the zone's winter offset, S: one hour more; no flag: the zone's
/// rules), in either case; a group that cannot be read drops its value; a CRC-less telegram at the end of a file.
@Suite("DSMR S/W flag, unreadable groups, last telegram of a file", .onOwnThread)
struct DSMRSeasonFlagTests {
    static func utc(_ text: String, zone: String) -> Int64? {
        var clock = P1Clock(zone: ZoneOffsetResolver(identifier: zone)!)
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { P1Field.wallClock($0, 0..<bytes.count) }.map { clock.utcSeconds($0) }
    }

    static func telegram(_ lines: [String], end: String = "!\r\n") -> [UInt8] {
        Array(("/ISk5\\2MT382-1000\r\n\r\n" + lines.map { $0 + "\r\n" }.joined() + end).utf8)
    }

    @Test("a Danish E360 that says winter time the day after the spring change is taken at its word")
    func meterSaysWinter() {
        #expect(Self.utc("230327064230W", zone: "Europe/Copenhagen") == DSMRFixtures.seconds(iso: "2023-03-27T05:42:30Z"))
        #expect(Self.utc("230327064230S", zone: "Europe/Copenhagen") == DSMRFixtures.seconds(iso: "2023-03-27T04:42:30Z"))
        #expect(Self.utc("230327064230", zone: "Europe/Copenhagen") == DSMRFixtures.seconds(iso: "2023-03-27T04:42:30Z"))
        // S in early spring and W in summer: the flag, not the calendar.
        #expect(Self.utc("200305122139S", zone: "Europe/Brussels") == DSMRFixtures.seconds(iso: "2020-03-05T10:21:39Z"))
        #expect(Self.utc("201020085222W", zone: "Europe/Stockholm") == DSMRFixtures.seconds(iso: "2020-10-20T07:52:22Z"))
    }

    @Test("the repeated autumn hour: S the first pass, W the second")
    func autumnHour() {
        #expect(Self.utc("231029023000S", zone: "Europe/Amsterdam") == DSMRFixtures.seconds(iso: "2023-10-29T00:30:00Z"))
        #expect(Self.utc("231029023000W", zone: "Europe/Amsterdam") == DSMRFixtures.seconds(iso: "2023-10-29T01:30:00Z"))
    }

    @Test("Europe/Dublin, whose rules call winter the daylight-saving part: W is UTC+0, S is UTC+1")
    func dublin() {
        #expect(Self.utc("230115120000W", zone: "Europe/Dublin") == DSMRFixtures.seconds(iso: "2023-01-15T12:00:00Z"))
        #expect(Self.utc("230715120000S", zone: "Europe/Dublin") == DSMRFixtures.seconds(iso: "2023-07-15T11:00:00Z"))
        #expect(Self.utc("230715120000W", zone: "Europe/Dublin") == DSMRFixtures.seconds(iso: "2023-07-15T12:00:00Z"))
        #expect(Self.utc("230202132747S", zone: "Europe/Dublin") == DSMRFixtures.seconds(iso: "2023-02-02T12:27:47Z"))
        #expect(Self.utc("230715120000", zone: "Europe/Dublin") == DSMRFixtures.seconds(iso: "2023-07-15T11:00:00Z"))
        #expect(Self.utc("231029013000S", zone: "Europe/Dublin") == DSMRFixtures.seconds(iso: "2023-10-29T00:30:00Z"))
        #expect(Self.utc("231029013000W", zone: "Europe/Dublin") == DSMRFixtures.seconds(iso: "2023-10-29T01:30:00Z"))
    }

    @Test("a lowercase flag is read like the capital one, the value keeps its own code")
    func lowercaseFlag() throws {
        #expect(Self.utc("150701190000s", zone: "Europe/Amsterdam") == DSMRFixtures.seconds(iso: "2015-07-01T17:00:00Z"))
        #expect(Self.utc("151201190000w", zone: "Europe/Amsterdam") == DSMRFixtures.seconds(iso: "2015-12-01T18:00:00Z"))
        let run = try TextDecodeRun(.dsmr, zone: "Europe/Amsterdam", chunks: [Self.telegram([
            "1-0:1.8.1(001234.567*kWh)", "0-1:24.2.1(150701190000s)(00845.206*m3)"])])
        let reading = try #require(run.readings.first)
        let gas = try #require(reading.value(obis: ObisCode(0, 1, 24, 2, 1, 255)))
        #expect(gas.value == .number(845.206))
        #expect(gas.unit == "m3")
        #expect(gas.timestamp == DSMRFixtures.seconds(iso: "2015-07-01T17:00:00Z"))
        #expect(reading.value(obis: ObisCode(0, 1, 24, 2, 1, 2)) == nil)
        #expect(run.drops.isEmpty)
    }

    @Test("a time group that cannot be read drops the value, counted; no value under an invented code")
    func unreadableGroup() throws {
        let run = try TextDecodeRun(.dsmr, zone: "Europe/Amsterdam", chunks: [Self.telegram([
            "1-0:1.8.1(001234.567*kWh)", "0-1:24.2.1(15070119000xS)(00845.206*m3)"])])
        let reading = try #require(run.readings.first)
        #expect(reading.value(obis: ObisCode(0, 1, 24, 2, 1, 255)) == nil)
        #expect(reading.value(obis: ObisCode(0, 1, 24, 2, 1, 2)) == nil)
        #expect(reading.values.count == 1)
        #expect(run.drops.map(\.reason) == [.unreadableValue])
        #expect(run.statistics.dropped[.unreadableValue] == 1)
    }

    @Test("a CRC-less telegram ending at ! at the end of a file is complete; one announcing DSMR 4+ was cut")
    func lastTelegramOfAFile() throws {
        let lines = ["1-0:1.8.1(001234.567*kWh)", "1-0:1.8.2(000765.432*kWh)"]
        for chunks in [[Self.telegram(lines, end: "!")], Self.telegram(lines, end: "!").map { [$0] }] {
            let run = try TextDecodeRun(.dsmr22, chunks: chunks)
            #expect(run.readings.count == 1)
            #expect(run.drops.isEmpty)
        }
        let cut = try TextDecodeRun(.dsmr, chunks: [Self.telegram(["1-3:0.2.8(50)"] + lines, end: "!")])
        #expect(cut.readings.isEmpty)
        #expect(cut.drops.map(\.reason) == [.truncatedFrame])
        let real = try TextDecodeRun(.dsmr22, chunks: [DSMRFixtures.telegram("dsmrreader-dsmr22-iskra-mt382-eof")])
        #expect(real.readings.count == 1)
        #expect(real.drops.isEmpty)
    }
}

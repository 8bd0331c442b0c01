import Foundation
import Testing
@testable import Protocols
import TestThreads
@testable import Delivery

/// Readings to the Belgian logger's rows (names, units, M-Bus ids, peaks and history), the spool record round trip
/// and every prefix of it refused, PostgreSQL array literals and CSV.
@Suite(.onOwnThread) struct PremisesRowsTests {
    static func fluviusReading() throws -> Reading {
        let telegram = try DSMRFixtures.telegram("fluvius-v171")
        return try #require(TextDecodeRun(.fluvius, chunks: [telegram]).readings.first)
    }

    @Test func fluviusTelegram() throws {
        let rows = PremisesRows(try Self.fluviusReading())
        #expect(rows.electricity.count == 18)
        #expect(Set(rows.electricity.map(\.device)) == ["1SAG3101021605"])
        #expect(rows.electricity.first { $0.name == "A+(T2)" }.map { abs($0.value - 15.758) < 1e-9 } == true)
        #expect(rows.electricity.allSatisfy { $0.time == 1_589_284_449 })
        #expect(rows.mbus == [
            .init(time: 1_589_283_958, device: "1SAG3101021605", mbusID: "7FLO2119033733", mbusType: "gas", value: 112.384),
            .init(time: 1_589_283_958, device: "1SAG3101021605", mbusID: "8SAG1234567890", mbusType: "water", value: 872.234),
        ])
        #expect(rows.peaks.map(\.time) == [1_589_024_758])
        #expect(rows.peaks.map { ($0.value * 1000).rounded() } == [2589])
        // The telegram stamps March times with S (200301000000S, 200305122139S): the meter's flag wins (UTC+2).
        #expect(rows.peakHistory.map(\.time) == [1_588_284_000, 1_585_692_000, 1_583_013_600])
        #expect(rows.peakHistory.map(\.occurred) == [1_587_662_738, 1_583_403_699, 1_581_303_261])
    }

    @Test func spoolRecordRoundTripAndPrefixes() throws {
        var rows = PremisesRows(try Self.fluviusReading())
        rows.peakHistory.append(.init(time: 1, device: "d", occurred: nil, value: .pi))
        rows.mbus.append(.init(time: 2, device: "d", mbusID: "é\"\\", mbusType: nil, value: -0.0))
        let record = rows.spoolRecord
        #expect(PremisesRows(spoolRecord: record) == rows)
        for length in 0..<record.count {
            #expect(PremisesRows(spoolRecord: Array(record.prefix(length))) == nil, "prefix \(length)")
        }
        #expect(PremisesRows(spoolRecord: record + [0]) == nil)
    }

    @Test func unitsAndNames() {
        let reading = Reading(source: "m", timestamp: 10, values: [
            DataPoint(obis: "1-0:1.8.0", type: .ACTIVE_ENERGY_P, value: .number(482_939), unit: "Wh"),
            DataPoint(obis: "1-0:3.7.0", type: .REACTIVE_POWER_P, value: .number(10), unit: "var"),
            DataPoint(obis: "1-0:32.7.0", type: .VOLTAGE_L1, value: .number(236), unit: "V"),
            DataPoint(obis: "1-0:13.7.0", type: .POWER_FACTOR, value: .number(0.9), unit: nil),
            DataPoint(obis: "1-0:1.7.0", type: .ACTIVE_POWER_P, value: .number(.nan), unit: "W"),
            DataPoint(obis: "0-1:24.2.1", type: nil, value: .number(0), unit: nil, timestamp: 0),
        ])
        let rows = PremisesRows(reading)
        #expect(rows.electricity.map(\.name) == ["A+", "Q+", "U(L1)"])
        #expect(rows.electricity.map(\.value) == [482.939, 0.01, 236])
        #expect(rows.mbus.isEmpty, "a placeholder M-Bus value is left out")
    }

    @Test func arrayLiteralsAndCSV() {
        #expect(PostgresArray.literal(["a", nil, "b\"c\\d", "", "x,y"]) == #"{"a",NULL,"b\"c\\d","","x,y"}"#)
        let line = CSV.line(["2020-05-12 11:54:09+00", "7FLO, \"gas\"", nil, "", "1.5"], texts: [false, true, true, true, false])
        #expect(line == "2020-05-12 11:54:09+00,\"7FLO, \"\"gas\"\"\",,\"\",1.5\n")
        #expect(CSV.rows(line + "a,b\r\nc,\"multi\nline\"") == [
            ["2020-05-12 11:54:09+00", "7FLO, \"gas\"", nil, "", "1.5"], ["a", "b"], ["c", "multi\nline"],
        ])
    }
}

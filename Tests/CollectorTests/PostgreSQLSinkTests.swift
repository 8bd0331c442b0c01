import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

let dsmrTestdata = testdata.deletingLastPathComponent().appendingPathComponent("dsmr")

/// The collector storing into a real PostgreSQL 15: rows and values of a Belgian P1 capture and a DLMS capture in
/// the Belgian logger's tables and units, gas and water meters, a server stopped and crashed mid-stream with every
/// reading stored exactly once, and configuration problems.
@Suite("PostgreSQL sink", .onOwnThread, .serialized, .enabled(if: PostgresServer.isInstalled))
struct PostgreSQLSinkTests {
    static func sinkSection(_ server: PostgresServer, spool: String, type: String = "postgresql") -> String {
        server.sinkSection(0, type: type, spool: spool) + "\n" + Ini.logging()
    }

    static func number(_ text: String??) -> Double? { text.flatMap { $0 }.flatMap(Double.init) }

    @Test("P1 (Fluvius) and DLMS (E450) captures fill the Belgian logger's tables in kWh, kW, V, A and m3")
    func p1AndDLMSRows() throws {
        let server = try PostgresServer()
        let directory = try TestFolder()
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["file": dsmrTestdata.appendingPathComponent("fluvius-v171.txt").path]) +
            Ini.reader(1, "lge450", ["file": testdata.appendingPathComponent("lge450-gbt-vse2026.hex").path,
                                     "timezone": "Europe/Zurich"]) + Self.sinkSection(server, spool: directory.file("spool"), type: "timescaledb"))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("tables ready (plain PostgreSQL"), "\(result.stderr)")

        let fluvius = "1SAG3101021605"
        let elec = try server.query("""
            SELECT obis_name, value::float8 FROM elec_measurement
            WHERE device_id = $1 AND time = '2020-05-12T11:54:09Z' ORDER BY obis_name
            """, [fluvius])
        let values = Dictionary(uniqueKeysWithValues: elec.map { ($0[0]!, Self.number($0[1])!) })
        #expect(values.keys.sorted() == ["A+(T1)", "A+(T2)", "A-(T1)", "A-(T2)", "I(L1)", "I(L2)", "I(L3)", "P+", "P+(L1)",
                                         "P+(L2)", "P+(L3)", "P-", "P-(L1)", "P-(L2)", "P-(L3)", "U(L1)", "U(L2)", "U(L3)"])
        #expect(abs(values["A+(T2)", default: 0] - 15.758) < 0.001)
        #expect(abs(values["A+(T1)", default: 0] - 0.034) < 0.0001)
        #expect(abs(values["A-(T2)", default: 0] - 0.011) < 0.0001)
        #expect(values["U(L2)"].map { abs($0 - 234.7) < 0.01 } == true)

        let peak = try server.query("SELECT time = '2020-05-09T11:45:58Z', value::float8 FROM peak_demand WHERE device_id = $1", [fluvius])
        #expect(peak.count == 1)
        #expect(peak.first?[0] == "t")
        #expect(Self.number(peak.first?[1]).map { abs($0 - 2.589) < 0.0001 } == true)

        let history = try server.query("""
            SELECT to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), to_char(occurred AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                   value::float8 FROM peak_demand_history WHERE device_id = $1 ORDER BY time
            """, [fluvius])
        #expect(history.map { [$0[0]!, $0[1]!] } == [["2020-02-29 22:00", "2020-02-10 02:54:21"],
                                                     ["2020-03-31 22:00", "2020-03-05 10:21:39"],
                                                     ["2020-04-30 22:00", "2020-04-23 17:25:38"]])
        #expect(history.compactMap { Self.number($0[2]) }.map { ($0 * 1000).rounded() } == [4318, 5980, 3695])

        let mbus = try server.query("""
            SELECT mbus_id, mbus_type, value::float8, time = '2020-05-12T11:45:58Z' FROM mbus_measurement
            WHERE device_id = $1 ORDER BY mbus_id
            """, [fluvius])
        #expect(mbus.map { [$0[0]!, $0[1]!, $0[3]!] } == [["7FLO2119033733", "gas", "t"], ["8SAG1234567890", "water", "t"]])
        #expect(mbus.compactMap { Self.number($0[2]) }.map { ($0 * 1000).rounded() } == [112_384, 872_234])

        // The DLMS meter: Wh, W and varh become kWh, kW and kvarh under the same names.
        let dlms = try server.query("""
            SELECT obis_name, value::float8, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM elec_measurement
            WHERE device_id = 'LGZ1030653520967'
            """)
        #expect(Set(dlms.map { $0[2]! }) == ["2026-05-04 09:39:21"], "meter time in Europe/Zurich")
        let dlmsValues = Dictionary(uniqueKeysWithValues: dlms.map { ($0[0]!, Self.number($0[1])!) })
        #expect(dlmsValues.count == 12)
        #expect(dlmsValues["A+"].map { abs($0 - 482.939) < 0.01 } == true)
        #expect(dlmsValues["P+"].map { abs($0 - 0.028) < 0.00001 } == true)
        #expect(dlmsValues["R-"].map { abs($0 - 344.697) < 0.01 } == true)
        #expect(dlmsValues["U(L1)"] == 236)
        #expect(dlmsValues["I(L2)"].map { abs($0 - 0.08) < 0.00001 } == true)

        // A second run of the same captures adds nothing.
        let again = try runCollector(["-c", ini])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try server.query("SELECT count(*) FROM elec_measurement").first?[0] == "30")
        #expect(again.stderr.contains("(0 new rows)"), "\(again.stderr)")
    }

    @Test("two M-Bus meters of a DSMR 5 capture: the gas meter's row, the absent meter's placeholder left out")
    func twoMBusMeters() throws {
        let server = try PostgresServer()
        let directory = try TestFolder()
        let ini = try directory.write("c.ini", Ini.reader(0, "dsmr", ["file": dsmrTestdata.appendingPathComponent("dsmr50-iskra-two-mbus.txt").path]) + Self.sinkSection(server, spool: directory.file("spool")))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)")
        let rows = try server.query("SELECT mbus_id, mbus_type, value::float8, time = '2020-04-26T20:30:01Z' FROM mbus_measurement")
        #expect(rows.count == 1)
        #expect(rows.first?[0] == "G0039001936906190" || rows.first?[0]?.hasPrefix("G003900") == true, "\(rows)")
        #expect(rows.first?[1] == "gas")
        #expect(Self.number(rows.first?[2]).map { abs($0 - 246.138) < 0.001 } == true)
        #expect(rows.first?[3] == "t")
    }

    @Test("server stopped and crashed mid-stream: every reading is stored exactly once",
          arguments: PostgresFlavour.testable)
    func serverRestartMidStream(_ flavour: PostgresFlavour) throws {
        let run = try FluviusIntoPostgres(flavour)
        let server = run.server, pty = run.pty, collector = run.collector
        func storedTimes() -> Int {
            (try? server.query("SELECT count(DISTINCT time) FROM elec_measurement").first?[0]).flatMap { $0.flatMap { Int($0) } } ?? -1
        }
        func send(_ range: Range<Int>) throws {
            for index in range { pty.write(try FluviusTelegrams.telegram(index), pause: 0) ; usleep(5_000) }
        }

        try send(0..<20)
        #expect(eventually(timeout: 10) { storedTimes() == 20 })
        // Stopped: readings go to the spool.
        server.stop()
        try send(20..<40)
        #expect(eventually(timeout: 10) { run.spoolBytes > 0 })
        try server.start()
        #expect(eventually(timeout: 40) { storedTimes() == 40 }, "\(collector.stderr.contents)")
        // Crashed (immediate shutdown) while telegrams arrive, so a transaction may be cut off before its COMMIT.
        try send(40..<50)
        server.crash()
        try send(50..<60)
        try server.start()
        try send(60..<70)
        #expect(eventually(timeout: 40) { storedTimes() == 70 }, "\(collector.stderr.contents)")
        collector.signal(SIGINT)
        #expect(collector.waitForExit(timeout: 10) == 0)

        #expect(try server.query("SELECT count(*) FROM elec_measurement").first?[0] == "\(70 * 18)")
        let powers = try server.query("SELECT round(value::numeric * 1000) FROM elec_measurement WHERE obis_name = 'P+' ORDER BY time")
        #expect(powers.map { $0[0]! } == (0..<70).map { String($0) })
        #expect(try server.query("SELECT count(*) FROM peak_demand_history").first?[0] == "3")
        #expect(collector.stderr.contents.contains("retrying"), "the outage is logged")
        #expect(run.spoolBytes == 0)
        if flavour == .timescale {
            #expect(try server.query("SELECT count(*) FROM timescaledb_information.hypertables").first?[0] == "4")
        }
    }

    @Test("PostgreSQL configuration problems are listed with section and key")
    func configurationProblems() throws {
        let directory = try TestFolder()
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["file": "\(testdata.path)/lge450-gbt-2-messages.hex"]) +
            Ini.sink(0, "postgresql", ["database": "premises"]) +
            Ini.sink(1, "timescaledb", ["dsn": "postgresql://u@h/db", "port": "5433", "sslmode": "sometimes"]))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 2)
        for expected in ["[sink0] host", "missing; or set dsn", "[sink1] port", "port is set beside dsn", "[sink1] sslmode",
                         "'sometimes' is not one of"] {
            #expect(result.stderr.contains(expected), "\(expected) in: \(result.stderr)")
        }
    }
}

/// The Fluvius capture with its clock moved on by `index` seconds and P+ set to `index` W, checksum recomputed.
enum FluviusTelegrams {
    static let template = Result { try String(contentsOf: dsmrTestdata.appendingPathComponent("fluvius-v171.txt"), encoding: .utf8) }

    static func telegram(_ index: Int) throws -> [UInt8] {
        var text = try template.get()
        let second = index % 60, minute = index / 60
        text = text.replacingOccurrences(of: "0-0:1.0.0(200512135409S)",
                                         with: "0-0:1.0.0(200512" + String(format: "14%02d%02dS)", minute, second))
        text = text.replacingOccurrences(of: "1-0:1.7.0(00.000*kW)",
                                         with: "1-0:1.7.0(" + String(format: "%06.3f", Double(index) / 1000) + "*kW)")
        return withChecksum(text)
    }

    /// The telegram up to its `!` with the CRC-16/ARC of those bytes after it.
    static func withChecksum(_ text: String) -> [UInt8] {
        let bang = text.firstIndex(of: "!")!
        let body = Array(text[...bang].utf8)
        var crc: UInt16 = 0
        for byte in body {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1 }
        }
        return body + Array(String(format: "%04X\r\n", crc).utf8)
    }
}

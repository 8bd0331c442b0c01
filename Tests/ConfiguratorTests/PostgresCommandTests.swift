import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads
import Delivery

/// `test-sinks`, `backup` and `restore` against a real PostgreSQL 15.
@Suite("smartmeter-config with PostgreSQL", .onOwnThread, .serialized, .enabled(if: PostgresServer.isInstalled))
struct PostgresCommandTests {
    let scratch: TestFolder
    init() throws { scratch = try TestFolder() }

    static func section(_ name: String, _ server: PostgresServer, password: String = PostgresServer.password,
                        database: String = "premises", port: Int? = nil) -> String {
        """
        [\(name)]
        type = postgresql
        host = 127.0.0.1
        port = \(port ?? server.port)
        database = \(database)
        user = postgres
        password = \(password)
        sslmode = disable

        """
    }

    @Test("test-sinks: connected with server version and tables; wrong password, missing database, closed port say why")
    func testSinks() throws {
        let server = try PostgresServer()
        let closed = FreePort.find()
        let config = try scratch.write("c.ini", "[reader0]\ntype = fluvius\nport = /dev/null\n"
            + Self.section("sink0", server) + Self.section("sink1", server, password: "wrong")
            + Self.section("sink2", server, database: "nothere") + Self.section("sink3", server, port: closed)
            + "[sink4]\ntype = timescaledb\ndsn = postgresql://postgres:\(PostgresServer.password)@127.0.0.1:\(server.port)/premises?sslmode=disable\n")
        let probe = try server.connect()
        let version = probe.serverVersion
        probe.close()
        let result = try Configurator.run(["test-sinks", "-c", config, "--timeout", "5"])
        #expect(result.status == 1)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(result.stdout)")
        guard lines.count == 5 else { return }
        #expect(lines[0] == "[sink0] postgresql: OK: connected to postgresql://postgres@127.0.0.1:\(server.port)/premises (PostgreSQL \(version)) as postgres; the tables will be created at the first start; " + (TimescaleDBForTests.isInstalled ? "TimescaleDB installed but not preloaded (plain tables): " + TimescaleStatus.preloadAdvice : "TimescaleDB not installed (plain tables)"), "\(lines[0])")
        #expect(lines[1].hasPrefix("[sink1] postgresql: FAILED: postgresql://postgres@127.0.0.1:\(server.port)/premises: "))
        #expect(lines[1].contains("password authentication failed for user \"postgres\""), "\(lines[1])")
        #expect(lines[2].contains("database \"nothere\" does not exist"), "\(lines[2])")
        #expect(lines[3].hasPrefix("[sink3] postgresql: FAILED: postgresql://postgres@127.0.0.1:\(closed)/premises: "))
        #expect(lines[3].contains("Connection refused"), "\(lines[3])")
        #expect(lines[4].hasPrefix("[sink4] timescaledb: OK: connected to user=postgres password=*** dbname=premises host=127.0.0.1"), "\(lines[4])")
        #expect(!result.stdout.contains(PostgresServer.password))
    }

    @Test("test-sinks says whether TimescaleDB is installed and preloaded, and what to run when it is not",
          .enabled(if: TimescaleDBForTests.isAvailable, "TimescaleDB is not installed: set TIMESCALEDB_SOURCE"))
    func testSinksTimescaleDB() throws {
        let plain = try PostgresServer()
        let preloaded = try PostgresServer(preloadTimescaleDB: true)
        let config = try scratch.write("c.ini", "[reader0]\ntype = fluvius\nport = /dev/null\n"
            + Self.section("sink0", plain) + Self.section("sink1", preloaded))
        func lines() throws -> [String] {
            let result = try Configurator.run(["test-sinks", "-c", config, "--timeout", "5"])
            #expect(result.status == 0, "\(result.stdout)")
            return result.stdout.split(separator: "\n").map(String.init)
        }
        let before = try lines()
        #expect(before.count == 2, "\(before)")
        guard before.count == 2 else { return }
        #expect(before[0].hasSuffix("; TimescaleDB installed but not preloaded (plain tables): add timescaledb to shared_preload_libraries (shared_preload_libraries = 'timescaledb' in postgresql.conf, or run timescaledb-tune) and restart PostgreSQL"), "\(before[0])")
        #expect(before[1].hasSuffix("; TimescaleDB available (created at the first start)"), "\(before[1])")
        let connection = try preloaded.connect()
        defer { connection.close() }
        #expect(try PremisesSchema.ensure(on: connection, timescale: TimescaleOptions()).hypertables)
        let after = try lines()
        #expect(after.last?.contains("; the tables exist; TimescaleDB 2.") == true, "\(after)")
    }

    @Test("backup neutralises formulas in meter-chosen texts (not in numbers) and restore gives the texts back exactly")
    func backupFormulas() throws {
        let server = try PostgresServer()
        let connection = try server.connect()
        defer { connection.close() }
        try PremisesSchema.ensure(on: connection)
        var rows = PremisesRows()
        let devices = ["=1+2", "-meter", "+41", "@SUM(A1)", "'=x", "'plain", "\tTAB", "\r\nCRLF", "=HYPERLINK(\"http://e/\",\"x\")"]
        for (index, device) in devices.enumerated() {
            rows.electricity.append(.init(time: 1_589_284_449 + Int64(index), device: device, name: "P-", value: -5.25))
        }
        rows.mbus.append(.init(time: 1_589_283_958, device: "m", mbusID: "=cmd", mbusType: "-gas", value: -1.5))
        #expect(try PremisesSchema.insert(rows, on: connection) == devices.count + 1)

        let config = try scratch.write("c.ini", "[reader0]\ntype = fluvius\nport = /dev/null\n" + Self.section("sink0", server))
        let backup = try Configurator.run(["backup", "-c", config, "--out", scratch.file("formulas")])
        #expect(backup.status == 0, "\(backup.stderr)")
        let elec = scratch.read("formulas/elec_measurement.csv")
        for cell in [#""'=1+2""#, #""'-meter""#, #""'+41""#, #""'@SUM(A1)""#, #""''=x""#, "'plain", "\"'\tTAB\"", "\"'\r\nCRLF\"",
                     #""'=HYPERLINK(""http://e/"",""x"")""#] {
            #expect(elec.contains("," + cell + ",P-,-5.25\n"), "\(cell) in \(elec)")
        }
        #expect(scratch.read("formulas/mbus_measurement.csv").contains(#","'=cmd","'-gas",-1.5"#))

        try server.createDatabase("formulas")
        let restoredConfig = try scratch.write("r.ini", "[reader0]\ntype = fluvius\nport = /dev/null\n"
            + Self.section("sink0", server, database: "formulas"))
        let restore = try Configurator.run(["restore", "-c", restoredConfig, scratch.file("formulas")])
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try server.connect(database: "formulas")
        defer { restored.close() }
        for table in PremisesSchema.tables {
            let query = "SELECT \(PremisesSchema.columns[table]!.joined(separator: ", ")) FROM \(table) ORDER BY 1, 2, 3"
            #expect(try restored.execute(query) == connection.execute(query), "\(table)")
        }
    }

    @Test("backup --db-file - reads the connection string from standard input; --out a folder of another user is refused",
          .enabled(if: geteuid() == 0, "chown to another user needs root"))
    func backupFromStandardInputIntoForeignFolder() throws {
        let server = try PostgresServer()
        let connection = try server.connect()
        try PremisesSchema.ensure(on: connection)
        connection.close()
        let dsn = "host=127.0.0.1 port=\(server.port) dbname=premises user=postgres password=\(PostgresServer.password)\n"
        let foreign = scratch.file("foreign")
        mkdir(foreign, 0o775)
        chown(foreign, getpwnam("nobody")!.pointee.pw_uid, gid_t.max)
        chmod(foreign, 0o775)
        let refused = try Configurator.run(["backup", "--db-file", "-", "--out", foreign], stdin: dsn)
        #expect(refused.status == 1, "\(refused.stderr)")
        #expect(refused.stderr.contains("\(foreign) belongs to user nobody"), "\(refused.stderr)")
        #expect(!refused.stderr.contains(PostgresServer.password))
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign).isEmpty)
        let written = try Configurator.run(["backup", "--db-file", "-", "--out", scratch.file("mine")], stdin: dsn)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(scratch.read("mine/elec_measurement.csv") == "time,device_id,obis_name,value\n")
    }

    @Test("backup writes one CSV per table with the device and time filter; restore loads it into an empty database, twice harmlessly")
    func backupAndRestore() throws {
        let server = try PostgresServer()
        let connection = try server.connect()
        defer { connection.close() }
        try PremisesSchema.ensure(on: connection)
        var rows = PremisesRows()
        for second in 0..<10 {
            rows.electricity.append(.init(time: 1_589_284_449 + Int64(second), device: "1SAG3101021605", name: "P+", value: Double(second) / 4))
            rows.electricity.append(.init(time: 1_589_284_449 + Int64(second), device: "other", name: "A+(T1)", value: 1.5))
        }
        rows.mbus.append(.init(time: 1_589_283_958, device: "1SAG3101021605", mbusID: "7FLO, \"gas\"", mbusType: "gas", value: 112.384))
        rows.mbus.append(.init(time: 1_589_283_958, device: "1SAG3101021605", mbusID: "8SAG", mbusType: nil, value: 872.234))
        rows.peaks.append(.init(time: 1_589_024_758, device: "1SAG3101021605", value: 2.589))
        rows.peakHistory.append(.init(time: 1_588_284_000, device: "1SAG3101021605", occurred: 1_587_662_738, value: 3.695))
        rows.peakHistory.append(.init(time: 1_585_692_000, device: "1SAG3101021605", occurred: nil, value: 5.98))
        #expect(try PremisesSchema.insert(rows, on: connection) == 25)

        let out = scratch.file("backup")
        let backup = try Configurator.run(["backup", "--db", "host=127.0.0.1 port=\(server.port) dbname=premises user=postgres password=\(PostgresServer.password)",
                                           "--device", "1SAG3101021605", "--from", "2020-05-12 11:54:10+00", "--to", "2020-05-12T11:54:15Z",
                                           "--out", out])
        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.contains("elec_measurement: 5 rows -> \(out)/elec_measurement.csv"), "\(backup.stdout)")
        let elec = scratch.read("backup/elec_measurement.csv").split(separator: "\n")
        #expect(elec.first == "time,device_id,obis_name,value")
        #expect(elec.dropFirst().first == "2020-05-12 11:54:10+00,1SAG3101021605,P+,0.25")
        #expect(scratch.read("backup/mbus_measurement.csv").isEmpty == false)

        // Everything, from the configuration's sink, into a second database.
        let config = try scratch.write("c.ini", "[reader0]\ntype = fluvius\nport = /dev/null\n" + Self.section("sink0", server))
        let all = try Configurator.run(["backup", "-c", config, "--out", scratch.file("all")])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(scratch.read("all/mbus_measurement.csv") == #"""
            time,device_id,mbus_id,mbus_type,value
            2020-05-12 11:45:58+00,1SAG3101021605,"7FLO, ""gas""",gas,112.384
            2020-05-12 11:45:58+00,1SAG3101021605,8SAG,,872.234

            """#)
        #expect(scratch.read("all/peak_demand_history.csv").contains("2020-03-31 22:00:00+00,1SAG3101021605,,5.98\n"))

        try server.createDatabase("restored")
        let restoredConfig = try scratch.write("r.ini", "[reader0]\ntype = fluvius\nport = /dev/null\n"
            + Self.section("sink0", server, database: "restored"))
        let restore = try Configurator.run(["restore", "-c", restoredConfig, scratch.file("all")])
        #expect(restore.status == 0, "\(restore.stderr)")
        #expect(restore.stdout.contains("elec_measurement: 20 rows read, 20 added, 0 already stored"), "\(restore.stdout)")
        let again = try Configurator.run(["restore", "-c", restoredConfig, scratch.file("all")])
        #expect(again.stdout.contains("peak_demand_history: 2 rows read, 0 added, 2 already stored"), "\(again.stdout)")
        let restored = try server.connect(database: "restored")
        defer { restored.close() }
        for table in PremisesSchema.tables {
            let query = "SELECT \(PremisesSchema.columns[table]!.joined(separator: ", ")) FROM \(table) ORDER BY 1, 2, 3"
            #expect(try restored.execute(query) == connection.execute(query), "\(table)")
        }

        let missing = try Configurator.run(["restore", "-c", restoredConfig, scratch.file("nothing")])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("holds none of elec_measurement.csv"), "\(missing.stderr)")
    }
}

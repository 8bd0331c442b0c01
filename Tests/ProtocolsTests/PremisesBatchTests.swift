import Foundation
import Synchronization
import Testing
import TestSupport
@testable import Protocols
import TestThreads
@testable import Delivery

/// Issue #16: a reading PostgreSQL cannot store costs that reading only. The checks before the insert, and against
/// a real PostgreSQL 15 the halving of a batch the server refuses for a data error, down to the guilty readings.
@Suite("PostgreSQL: one bad reading costs that reading only", .onOwnThread, .serialized)
struct PremisesBatchTests {
    static let base: Int64 = 1_589_284_449  // 2020-05-12T11:54:09Z

    static func reading(_ index: Int, device: String? = nil, value: Double? = nil) -> PremisesRows {
        var rows = PremisesRows()
        let device = device ?? (index % 2 == 0 ? "METERA" : "METERB")
        rows.electricity = [.init(time: base + Int64(index), device: device, name: "P+", value: value ?? Double(index))]
        rows.peaks = [.init(time: base + Int64(index), device: device, value: 1.5)]
        return rows
    }

    @Test("checked before the insert: NUL, long ids, values beyond real, times beyond year 9999")
    func checks() {
        #expect(Self.reading(0).problem == nil)
        #expect(Self.reading(0, value: -5.2).problem == nil)
        #expect(Self.reading(0, value: 0).problem == nil)
        #expect(Self.reading(0, value: 3.4e38).problem == nil)
        #expect(Self.reading(0, device: "A\0B").problem == .nulInText)
        #expect(Self.reading(0, device: String(repeating: "Z", count: 256)).problem == nil)
        #expect(Self.reading(0, device: String(repeating: "Z", count: 6000)).problem == .idTooLong(bytes: 6000))
        #expect(Self.reading(0, value: 1e45).problem == .valueOutOfRange(1e45))
        #expect(Self.reading(0, value: -1e45).problem == .valueOutOfRange(-1e45))
        #expect(Self.reading(0, value: 1e-50).problem == .valueOutOfRange(1e-50))
        #expect(Self.reading(0, value: .infinity).problem == .valueOutOfRange(.infinity))
        #expect(Self.reading(0, value: .nan).problem != nil)
        var mbus = PremisesRows()
        mbus.mbus = [.init(time: Self.base, device: "A", mbusID: "G\0", mbusType: "gas", value: 1)]
        #expect(mbus.problem == .nulInText)
        var history = PremisesRows()
        history.peakHistory = [.init(time: Self.base, device: "A", occurred: 300_000_000_000, value: 1)]
        #expect(history.problem == .timeOutOfRange(300_000_000_000))
    }

    @Test("refused by the server for a data error: the batch halved down to the guilty readings, the others stored once",
          .enabled(if: PostgresServer.isInstalled))
    func bisect() throws {
        let server = try PostgresServer()
        let connection = try server.connect()
        defer { connection.close() }
        try PremisesSchema.ensure(on: connection)
        // A constraint the checks cannot know: the server alone refuses these values (SQLSTATE 23514).
        try connection.execute("ALTER TABLE elec_measurement ADD CONSTRAINT not_666 CHECK (value <> 666)")
        let guilty = [5, 17, 18, 39]
        var batch = (0..<40).map { guilty.contains($0) ? Self.reading($0, value: 666) : Self.reading($0) }
        batch[10] = Self.reading(10, device: "A\0B")

        // One statement for the whole batch, as before issue #16: all or nothing.
        var all = PremisesRows()
        for rows in batch where rows.problem == nil { all.append(rows) }
        #expect(throws: PostgresConnection.Failure.self) { try PremisesSchema.insert(all, on: connection) }
        #expect(try connection.execute("SELECT count(*) FROM elec_measurement").first?[0] == "0")

        let outcome = try PremisesBatch.insert(batch, on: connection)
        #expect(outcome.refused.map(\.reading) == [5, 10, 17, 18, 39])
        #expect(outcome.refused.map(\.refusal.kind) == ["server error 23514", "NUL in a text", "server error 23514",
                                                        "server error 23514", "server error 23514"])
        #expect(outcome.addedRows == 35 * 2)
        #expect(outcome.transactions <= 1 + 4 * 2 * 6, "halving, not row by row: \(outcome.transactions)")
        let stored = try connection.execute("SELECT time::text, device_id, count(*) FROM elec_measurement GROUP BY 1, 2")
        #expect(stored.count == 35 && stored.allSatisfy { $0[2] == "1" })
        let values = try connection.execute("SELECT value::int FROM elec_measurement ORDER BY time").map { Int($0[0]!)! }
        #expect(values == (0..<40).filter { !guilty.contains($0) && $0 != 10 })
        #expect(try connection.execute("SELECT count(*) FROM peak_demand").first?[0] == "35")

        // Sent again (as after a lost connection): nothing added twice, the same readings refused.
        let again = try PremisesBatch.insert(batch, on: connection)
        #expect(again.addedRows == 0)
        #expect(again.refused.map(\.reading) == [5, 10, 17, 18, 39])
    }

    @Test("what the checks stop is a data error to the server too (classes 22 and 54)", .enabled(if: PostgresServer.isInstalled))
    func serverDataErrors() throws {
        let server = try PostgresServer()
        let connection = try server.connect()
        defer { connection.close() }
        try PremisesSchema.ensure(on: connection)
        // Random letters: a repeated one would be compressed below the btree limit.
        var generator = SeededGenerator(seed: 54)
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        let longID = String((0..<6000).map { _ in letters.randomElement(using: &generator)! })
        for (rows, state) in [(Self.reading(0, value: 1e45), "22003"), (Self.reading(0, device: longID), "54000")] {
            do {
                try PremisesSchema.insert(rows, on: connection)
                Issue.record("stored \(state)")
            } catch {
                #expect(error.sqlState == state, "\(error)")
                #expect(error.isDataError)
            }
        }
    }

    @Test("COPY stores the meter's texts byte for byte and NULL apart from the text \\N; sent again, nothing is added twice",
          .enabled(if: PostgresServer.isInstalled))
    func copyKeepsTextsExactly() throws {
        let server = try PostgresServer()
        let connection = try server.connect()
        defer { connection.close() }
        try PremisesSchema.ensure(on: connection)
        let texts = ["tab\there", "line\nfeed", "carriage\rreturn", #"back\slash"#, #"\N"#, "quote\"'", "é 電力 🙂",
                     "comma, semicolon;", "\u{1}\u{7F}"]
        var rows = PremisesRows()
        for (index, text) in texts.enumerated() {
            let time = Self.base + Int64(index)
            rows.electricity.append(.init(time: time, device: text, name: text, value: 0.028))
            rows.mbus.append(.init(time: time, device: text, mbusID: text, mbusType: index % 2 == 0 ? nil : text, value: 1234.567))
            rows.peaks.append(.init(time: time, device: text, value: 2.5))
            rows.peakHistory.append(.init(time: time, device: text, occurred: index % 3 == 0 ? nil : time - 60, value: -3.25))
        }
        #expect(try PremisesSchema.insert(rows, on: connection) == 4 * texts.count)
        let electricity = try connection.execute("SELECT device_id, obis_name, value::text, extract(epoch FROM time)::bigint::text FROM elec_measurement ORDER BY time")
        #expect(electricity.map { $0[0] } == texts && electricity.map { $0[1] } == texts)
        #expect(electricity.allSatisfy { $0[2] == "0.028" })
        #expect(electricity.map { $0[3] } == texts.indices.map { "\(Self.base + Int64($0))" })
        let mbus = try connection.execute("SELECT mbus_id, mbus_type, value::text FROM mbus_measurement ORDER BY time")
        #expect(mbus.map { $0[0] } == texts)
        #expect(mbus.map { $0[1] } == texts.enumerated().map { $0.offset % 2 == 0 ? nil : $0.element })
        #expect(mbus.allSatisfy { $0[2] == "1234.567" })
        let history = try connection.execute("SELECT occurred IS NULL, value::text FROM peak_demand_history ORDER BY time")
        #expect(history.map { $0[0] } == texts.indices.map { $0 % 3 == 0 ? "t" : "f" })
        #expect(history.allSatisfy { $0[1] == "-3.25" })
        // The same rows again (as after a lost connection), and a batch of stored and new rows: only the new added.
        #expect(try PremisesSchema.insert(rows, on: connection) == 0)
        var mixed = rows
        mixed.electricity.append(.init(time: Self.base + 100, device: "NEW", name: "P+", value: 1))
        #expect(try PremisesSchema.insert(mixed, on: connection) == 1)
        #expect(try connection.execute("SELECT count(*) FROM elec_measurement").first?[0] == "\(texts.count + 1)")
    }

    @Test("binary COPY stores what the text format stores: values rounded to real as the server rounds them, times, NULL")
    func binaryRounding() {
        #expect(PremisesCopy.real(0.028) == Float("0.028"))
        #expect(PremisesCopy.real(-0.0)?.sign == .plus)
        // Exactly halfway between two floats: what strtof makes of the shortest decimal text, which is not the value
        // itself for 1 + 2^-24 (it rounds up, where Float(value) rounds to even, down), and is for 2^24 + 1 and x.5.
        let halfway = 1 + 0x1p-24
        #expect(Float(halfway) == 1 && PremisesCopy.real(halfway) == Float("\(halfway)") && PremisesCopy.real(halfway) == Float(1).nextUp)
        #expect(PremisesCopy.real(16_777_217) == 16_777_216 && PremisesCopy.real(16_777_219) == 16_777_220)
        #expect(PremisesCopy.real(12_345_678.5) == 12_345_678)
        #expect(PremisesCopy.real(1 + 0x1p-24 + 0x1p-52) == Float(1).nextUp)
        #expect(PremisesCopy.real(.nan) == nil && PremisesCopy.real(1e39) == nil && PremisesCopy.real(1e-39) == nil)
        var notFinite = Self.reading(0)
        notFinite.electricity[0].value = .infinity
        #expect(!PremisesCopy.fitsBinary(notFinite))
        #expect(PremisesCopy.fitsBinary(Self.reading(0)))
        #expect(!PremisesCopy.fitsBinary(Self.reading(0, device: "A\0B")))
    }

    @Test("binary COPY and text COPY store the same rows (meter values, random values, the years 1 and 9999)",
          .enabled(if: PostgresServer.isInstalled))
    func binaryEqualsText() throws {
        let server = try PostgresServer()
        let connection = try server.connect()
        defer { connection.close() }
        try PremisesSchema.ensure(on: connection)
        var generator = SeededGenerator(seed: 19)
        var rows = PremisesRows()
        let times: [Int64] = [-62_135_596_800, 253_402_300_799, 0, Self.base]
        for index in 0..<2000 {
            let time = index < times.count ? times[index] : Self.base + Int64(index)
            let exponent = Int.random(in: -3...3, using: &generator)
            let meterValue = Double(Int.random(in: -99_999_999...99_999_999, using: &generator)) * pow(10, Double(exponent))
            let anyValue = Double(Float.random(in: -1e6...1e6, using: &generator)) * Double.random(in: 0.5...2, using: &generator)
            rows.electricity.append(.init(time: time, device: "é\t\(index % 3)", name: "P+", value: meterValue))
            rows.mbus.append(.init(time: time, device: "M", mbusID: "G\n1", mbusType: index % 2 == 0 ? nil : "3", value: anyValue))
            rows.peaks.append(.init(time: time, device: "M", value: index % 5 == 0 ? -0.0 : meterValue))
            rows.peakHistory.append(.init(time: time, device: "M", occurred: index % 3 == 0 ? nil : time - 3600, value: anyValue))
        }
        try #require(PremisesCopy.fitsBinary(rows))
        func epoch(_ column: String) -> String { "extract(epoch FROM \(column))::bigint::text" }
        let query = """
            SELECT 'e', \(epoch("time")), device_id, obis_name, value::float8::text, NULL FROM elec_measurement UNION ALL
            SELECT 'm', \(epoch("time")), device_id, mbus_id, value::float8::text, mbus_type FROM mbus_measurement UNION ALL
            SELECT 'p', \(epoch("time")), device_id, NULL, value::float8::text, NULL FROM peak_demand UNION ALL
            SELECT 'h', \(epoch("time")), device_id, \(epoch("occurred")), value::float8::text, NULL FROM peak_demand_history
            ORDER BY 1, 2, 3
            """
        func stored(_ copy: (PremisesRows, PostgresConnection) throws(PostgresConnection.Failure) -> Int) throws -> [[String?]] {
            for table in PremisesSchema.tables { try connection.execute("TRUNCATE \(table)") }
            try connection.execute("BEGIN")
            #expect(try copy(rows, connection) == rows.count)
            try connection.execute("COMMIT")
            return try connection.execute(query)
        }
        let text = try stored(PremisesCopy.copyText)
        let binary = try stored(PremisesCopy.copyBinary)
        #expect(text.count == rows.count)
        #expect(text == binary)
        #expect(binary.contains { $0[1] == "-62135596800" } && binary.contains { $0[1] == "253402300799" })
    }

    @Test("a lost connection is thrown, nothing refused", .enabled(if: PostgresServer.isInstalled))
    func connectionLost() throws {
        let server = try PostgresServer()
        let connection = try server.connect()
        defer { connection.close() }
        try PremisesSchema.ensure(on: connection)
        let pid = try connection.execute("SELECT pg_backend_pid()").first?[0] ?? nil
        _ = try server.query("SELECT pg_terminate_backend($1::int)", [pid])
        do {
            let outcome = try PremisesBatch.insert((0..<8).map { Self.reading($0) }, on: connection)
            Issue.record("inserted on a terminated connection: \(outcome.refused.count) refused")
        } catch {
            #expect(error.connectionLost && !error.isDataError, "\(error)")
        }
    }

    @Test("the inserter stores the rest of the spool, counts the refused and logs each reason once",
          .enabled(if: PostgresServer.isInstalled))
    func inserter() throws {
        let server = try PostgresServer()
        do {
            let connection = try server.connect()
            defer { connection.close() }
            try PremisesSchema.ensure(on: connection)
            try connection.execute("ALTER TABLE elec_measurement ADD CONSTRAINT not_666 CHECK (value <> 666)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inserter-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 22)
        let events = Mutex<[String]>([])
        let inserter = SpooledInserter(settings: server.settings, spool: spool, batchReadings: 100) { event in
            if case .refused(let text) = event { events.withLock { $0.append(text) } }
        }
        inserter.start()
        var readings: [PremisesRows] = []
        for index in 0..<300 {
            switch index % 50 {
            case 7: readings.append(Self.reading(index, device: "X\0Y"))
            case 19: readings.append(Self.reading(index, value: 1e45))
            case 33: readings.append(Self.reading(index, value: 666))
            default: readings.append(Self.reading(index))
            }
        }
        for start in stride(from: 0, to: readings.count, by: 30) { try inserter.submit(Array(readings[start..<start + 30])) }
        eventually(timeout: 30) { inserter.statistics.pendingBytes == 0 }
        inserter.close(waitingUpTo: 5)
        let statistics = inserter.statistics
        #expect(statistics.rejectedReadings == 18)
        #expect(statistics.committedReadings == 282)
        #expect(try server.query("SELECT count(*) FROM elec_measurement").first?[0] == "282")
        #expect(try server.query("SELECT count(DISTINCT time) FROM peak_demand").first?[0] == "282")
        let logged = events.withLock { $0 }
        #expect(logged.count == 3, "\(logged)")
        for reason in ["NUL in a text", "value outside the range of real", "23514"] {
            #expect(logged.filter { $0.contains(reason) }.count == 1, "\(reason): \(logged)")
        }
    }
}

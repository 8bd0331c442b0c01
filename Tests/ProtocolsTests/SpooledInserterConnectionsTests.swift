import Foundation
import Synchronization
import Testing
import TestSupport
@testable import Delivery
import Protocols
import TestThreads

/// Issue #19: a backlog (a replayed file, the spool after an outage) is inserted over two connections side by side;
/// a meter sending one reading at a time keeps one. A real PostgreSQL 15; a transaction holding a lock on the table
/// keeps both inserting connections busy at once, so that what is checked does not depend on timing.
@Suite("Spooled PostgreSQL inserter: two connections", .onOwnThread, .enabled(if: PostgresServer.isInstalled))
struct SpooledInserterConnectionsTests {
    static let base: Int64 = 1_589_284_449

    static func readings(_ range: Range<Int>) -> [PremisesRows] {
        range.map { index in
            var rows = PremisesRows()
            rows.electricity = [.init(time: base + Int64(index), device: "METERA", name: "P+", value: Double(index))]
            rows.peaks = [.init(time: base + Int64(index), device: "METERA", value: 1.5)]
            return rows
        }
    }

    /// Backends of the inserter (its application name) that have a query or wait for one.
    static func inserterBackends(_ server: PostgresServer) throws -> [String] {
        try server.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [applicationName]).compactMap { $0[0] }
    }

    static let applicationName = "inserter-under-test"

    static func settings(_ server: PostgresServer) -> PostgresSettings {
        var settings = server.settings
        settings.applicationName = applicationName
        return settings
    }

    @Test("a backlog goes over two connections at once; both cut off mid-batch, every reading is still stored once")
    func backlog() throws {
        let server = try PostgresServer()
        let holder = try server.connect()
        defer { holder.close() }
        try PremisesSchema.ensure(on: holder)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inserter2-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 24)
        let inserter = SpooledInserter(settings: Self.settings(server), spool: spool, batchReadings: 100) { _ in }
        for start in stride(from: 0, to: 3000, by: 500) { try inserter.submit(Self.readings(start..<start + 500)) }
        // Every COPY waits for this lock: both connections take a batch and wait.
        try holder.execute("BEGIN")
        try holder.execute("LOCK TABLE elec_measurement IN EXCLUSIVE MODE")
        inserter.start()
        defer { inserter.close(waitingUpTo: 5) }
        #expect(eventually(timeout: 20) { (try? Self.inserterBackends(server).count) == 2 })
        // Both connections lost with a batch each in flight: the batches go back and are sent again.
        _ = try server.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
                             [Self.applicationName])
        #expect(eventually(timeout: 20) { !inserter.statistics.connected })
        try holder.execute("COMMIT")
        #expect(eventually(timeout: 30) { inserter.statistics.pendingBytes == 0 })
        let statistics = inserter.statistics
        #expect(statistics.committedReadings == 3000)
        #expect(statistics.rejectedReadings == 0)
        #expect(try server.query("SELECT count(*), count(DISTINCT time) FROM elec_measurement").first == ["3000", "3000"])
        #expect(try server.query("SELECT count(*) FROM peak_demand").first?[0] == "3000")
    }

    @Test("readings one at a time: one connection")
    func trickle() throws {
        let server = try PostgresServer()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inserter1-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 22)
        let inserter = SpooledInserter(settings: Self.settings(server), spool: spool, batchReadings: 100) { _ in }
        inserter.start()
        defer { inserter.close(waitingUpTo: 5) }
        for index in 0..<30 {
            try inserter.submit(Self.readings(index..<index + 1))
            #expect(eventually(timeout: 20) { inserter.statistics.committedReadings == index + 1 })
        }
        #expect(try Self.inserterBackends(server).count == 1)
        #expect(try server.query("SELECT count(*) FROM elec_measurement").first?[0] == "30")
    }
}

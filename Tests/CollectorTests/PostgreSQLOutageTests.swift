import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

/// A real PostgreSQL 15 (plain and with TimescaleDB, see `PostgresFlavour`) stopped for a whole minute while a P1 meter keeps sending (the shorter stop and the crash
/// are in `PostgreSQLSinkTests`). Its own suite: it takes about a minute and a half and runs beside the others.
@Suite("PostgreSQL outage", .onOwnThread, .enabled(if: PostgresServer.isInstalled))
struct PostgreSQLOutageTests {
    @Test("server stopped for a minute during a steady stream: the readings wait in the spool, every one stored once",
          arguments: PostgresFlavour.testable)
    func stoppedForAMinute(_ flavour: PostgresFlavour) throws {
        let run = try FluviusIntoPostgres(flavour)
        let server = run.server, pty = run.pty, spool = run.spool, collector = run.collector

        let total = 400
        let meter = SteadyMeter(pty: pty, perSecond: 5, count: total)
        meter.start()
        #expect(meter.waitUntilSent(25, timeout: 10))
        server.stop()
        let stoppedAt = meter.sent
        let sizeBefore = run.spoolBytes
        // A minute of the meter's telegrams (5 a second) while the server is down.
        #expect(meter.waitUntilSent(stoppedAt + 300, timeout: 90))
        let sizeAfter = run.spoolBytes
        try server.start()
        // About 300 readings of 18 rows each, surely more than 200 bytes apiece.
        #expect(sizeAfter - sizeBefore > 250 * 200, "the minute's readings waited in the spool: \(sizeBefore) -> \(sizeAfter)")
        #expect(meter.waitUntilSent(timeout: 30))
        // The inserter retries 1, 2, 4, ... up to 30 s apart: the server is found again within half a minute.
        #expect(eventually(timeout: 45) { (try? CollectorFaultTests.storedIndices(server).indices.count) == total },
                "\(collector.stderr.contents)")
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)

        let stored = try CollectorFaultTests.storedIndices(server)
        #expect(stored.indices == Set(0..<total))
        #expect(stored.rows == CollectorFaultTests.rowsPerReading * total, "each reading once")
        #expect(stoppedAt < 40)
        #expect(try CollectorFaultTests.postgresSpool(spool).indices.isEmpty, "the spool drained")
        let log = collector.stderr.contents
        let failures = log.components(separatedBy: "readings wait in the spool").count - 1
        #expect((1...3).contains(failures), "the outage is logged once per distinct failure, not per retry: \(log)")
        if flavour == .timescale {
            #expect(try server.query("SELECT count(*) FROM timescaledb_information.hypertables").first?[0] == "4")
        }
    }
}

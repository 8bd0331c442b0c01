import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

@Suite("Spooled PostgreSQL inserter", .onOwnThread)
struct SpooledInserterTests {
    /// Found by the AddressSanitizer run (LeakSanitizer): the inserter's thread held the inserter and the inserter
    /// held its thread, so neither it nor its spool were ever released.
    @Test("closed, the inserter and its spool are released")
    func releasedAfterClose() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inserter-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        weak var released: SpooledInserter?
        weak var releasedSpool: DiskSpool?
        do {
            let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
            // Nothing listens on the port: the thread fails to connect and waits to retry until closed.
            let settings = PostgresSettings(host: "127.0.0.1", port: FreePort.find(), user: "nobody")
            let inserter = SpooledInserter(settings: settings, spool: spool) { _ in }
            released = inserter
            releasedSpool = spool
            inserter.start()
            inserter.close(waitingUpTo: 0)
        }
        eventually(timeout: 10) { released == nil }
        #expect(released == nil)
        #expect(releasedSpool == nil)
    }
}

import Delivery
import Foundation
import Protocols
import Synchronization
import SystemSupport
import Testing
import TestSupport
import TestThreads

@Suite("Spooled PostgreSQL inserter", .onOwnThread, .serialized)
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

    @Test("server down, then up: typed events (unreachable with the address, then connected); retries on the inserter's clock with its back-off")
    func unreachableThenConnected() throws {
        guard PostgresServer.isInstalled else { return }
        let server = try PostgresServer()
        server.stop()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inserter-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let spool = try DiskSpool(directory: directory, maximumBytes: 1 << 20)
        var settings = server.settings
        settings.retry = Backoff.Policy(initial: .milliseconds(300), maximum: .milliseconds(300))
        let manual = ManualClock()
        let events = Mutex<[DeliveryEvent]>([])
        let inserter = SpooledInserter(settings: settings, spool: spool, clock: manual.clock) { event in
            events.withLock { $0.append(event) }
        }
        inserter.start()
        defer { inserter.close(waitingUpTo: 1) }
        #expect(eventually(timeout: 10) { events.withLock { $0.contains { if case .unreachable = $0 { true } else { false } } } },
                "\(events.withLock { $0 })")
        let unreachable = events.withLock { $0.first { $0.isFailure } }
        #expect(unreachable?.text.hasPrefix(settings.address) == true, "\(String(describing: unreachable))")
        try server.start()
        // The clock stands still: real time passes, the 300 ms retry is not due, nothing connects.
        #expect(!eventually(timeout: 2) { inserter.statistics.connected })
        manual.advance(by: .milliseconds(300))
        #expect(eventually(timeout: 10) { inserter.statistics.connected })
        let connected = events.withLock { $0.last }
        guard case .connected(let text) = connected else {
            Issue.record("the last event is not .connected: \(String(describing: connected))")
            return
        }
        #expect(text.hasPrefix("connected to \(settings.address)"), "\(text)")
        #expect(connected?.isFailure == false)
    }
}

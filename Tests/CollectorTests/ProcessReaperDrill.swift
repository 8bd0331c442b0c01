import Foundation
import Testing
import TestSupport
import TestThreads

/// Not a test of its own: the set-up `scripts/test-no-leftovers` kills. It starts one of each helper process the
/// suites use (mosquitto, PostgreSQL, socat and a collector reading socat's pty into the broker) and waits, so that
/// the script can kill `swift test` or the test bundle while all of them run. Runs only when the script asks.
@Suite("Process reaper drill", .onOwnThread, .enabled(if: ProcessInfo.processInfo.environment["SMARTMETER_REAPER_DRILL"] == "1"))
struct ProcessReaperDrill {
    @Test("one of each helper process, then a wait to be killed in")
    func drill() throws {
        let broker = try MosquittoBroker()
        let server = try PostgresServer()
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        defer { pty.unplug() }
        let ini = try directory.write("c.ini", """
            [reader0]
            type = lge450
            port = \(pty.meter)

            [sink0]
            type = mqtt
            host = 127.0.0.1
            port = \(broker.port)
            spool_dir = \(directory.file("spool"))
            """)
        let collector = try launchCollector(["-c", ini])
        defer { collector.signal(SIGTERM); _ = collector.waitForExit(timeout: 5) }
        #expect(broker.isRunning && server.isRunning)
        // Long enough for the script to see all four and kill; the script never lets it end.
        sleep(120)
    }
}

import CollectorPipeline
import Configuration
import Foundation
import Protocols
import Synchronization
import Testing
import TestThreads

/// An MQTT sink whose broker cannot be reached spools everything; past `spool_max_mb` the spool drops its oldest
/// records. The sink says so once when the bound is reached (not a line per write) and gives the total when it
/// closes, matching the count the web face shows.
@Suite(.onOwnThread)
struct SpoolDropLogTests {
    @Test func fullSpoolIsReportedOnceAndTotalledAtClose() async throws {
        let directory = try makeTemporaryDirectory("pipeline-spool")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Port 1 on this machine: nothing listens, the connection is refused at once.
        let configuration = try validatedConfiguration("""
            [reader0]
            type = lge450
            port = /dev/ttyUSB0
            [sink0]
            type = mqtt
            host = 127.0.0.1
            port = 1
            spool_dir = \(directory)/spool
            spool_max_mb = 1

            """, in: directory)
        let settings = try #require(configuration.sinks.first)
        let recorder = LogRecorder()
        let mqtt = try SinkFactory.make(settings, logger: recorder.logger)
        let log = EventLog()
        let sink = TestSink("mqtt", log: log, passingTo: mqtt)
        let mqttWorker = worker(sink, logger: recorder.logger)
        let batches = Mutex(0)
        let reader = ScriptedReader(name: "file", log: log) { stop in
            let fanOut = FanOut(queues: [mqttWorker.queue]).waiting(unless: stop)
            var number = 0
            func batch() {
                fanOut.publish((0..<50).map { _ in number += 1; return reading(number, values: 30) })
                batches.withLock { $0 += 1 }
            }
            // Until the spool has dropped something (the sink's health says so), then as much again for good measure.
            while (mqttWorker.status.health?.spoolDropped ?? 0) == 0 && number < 200_000 { batch() }
            for _ in 0..<3 { batch() }
        }
        try await runPipeline(readers: [reader], workers: [mqttWorker]) { _ in }

        let health = try #require(mqttWorker.status.health)
        #expect(health.spoolDropped > 0)
        #expect(health.spooledBytes <= 1 << 20)
        let warnings = recorder.messages(atLeast: .warning)
        let bound = warnings.filter { $0.contains("reached spool_max_mb = 1;") }
        #expect(bound.count == 1, "\(warnings)")
        let totals = warnings.filter { $0.contains("records dropped since the start") }
        #expect(totals == ["spool \(directory)/spool: \(health.spoolDropped) records dropped since the start (0 for a full disk, \(health.spoolDropped) beyond spool_max_mb)"])
        #expect(!warnings.contains { $0.contains("no space left") })
        #expect(mqttWorker.status.written == batches.withLock { $0 } * 50)
    }
}

import CollectorPipeline
import Protocols
import Synchronization
import Testing
import TestThreads

/// A graceful shutdown (SIGTERM) stops the readers first; then each sink writes what its queue holds and closes. A
/// sink that fails every write costs only its own readings and is closed like the others.
@Suite(.onOwnThread)
struct ShutdownOrderTests {
    @Test func readersStopFirstThenQueuesDrainAndEverySinkCloses() async throws {
        let log = EventLog()
        let gate = Gate()
        let plain = TestSink("plain", log: log)
        let gated = TestSink("gated", log: log)
        gated.gate = gate
        let failing = TestSink("failing", log: log)
        failing.failWrites = true
        let workers = [worker(plain), worker(gated), worker(failing)]
        let published = Mutex(0)
        let readers = ["r1", "r2"].map { name in
            ScriptedReader(name: name, log: log) { stop in
                let fanOut = FanOut(queues: workers.map(\.queue))
                var number = 0
                // A meter's pace: a few readings, then a pause, until the reader is told to stop.
                repeat {
                    for _ in 0..<5 {
                        number += 1
                        fanOut.publish(reading(number, source: name))
                    }
                    published.withLock { $0 += 5 }
                } while stop.sleep(seconds: 0.002)
            }
        }
        try await runPipeline(readers: readers, workers: workers) { control in
            // Running: the gated sink holds its first batch; the others write; the failing one fails.
            #expect(log.wait { _ in plain.receivedCount >= 200 })
            #expect(log.wait { $0.contains("gated writing") })
            await control.shutDown()
            #expect(log.wait { $0.contains("reader r1 ended") && $0.contains("reader r2 ended") })
            // The readers have stopped; what the gated sink's queue holds is still to be written.
            #expect(workers[1].status.queued > 0)
            gate.openUp()
        }
        let events = log.all
        let total = published.withLock { $0 }
        #expect(total >= 200)
        #expect(plain.receivedCount == total)
        #expect(gated.receivedCount == total)
        #expect(failing.receivedCount == 0)
        for worker in workers {
            #expect(worker.status.dropped == 0)
            #expect(worker.status.queued == 0)
        }
        #expect(workers[2].status.failed == total)
        #expect(workers[0].status.written == total && workers[1].status.written == total)
        // Order: both readers ended before any sink closed; a shutdown is not the end of the input (no finish).
        let lastReader = try #require(["reader r1 ended", "reader r2 ended"].compactMap { events.firstIndex(of: $0) }.max())
        for name in ["plain", "gated", "failing"] {
            let close = try #require(events.firstIndex(of: "\(name) close"), "\(name) was not closed: \(events.suffix(8))")
            #expect(lastReader < close)
            #expect(!events.contains("\(name) finish"))
        }
    }
}

import CollectorPipeline
import Protocols
import TestSupport
import Testing
import TestThreads

/// A replayed file can wait: its reader waits for the slowest sink, so every sink gets every reading exactly once and
/// in order, the queues stay within their bounds, and at the end of the input each sink finishes before it closes.
@Suite(.onOwnThread)
struct WaitingReaderTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func fileReaderWaitsForSlowSinkAndLosesNothing(seed: UInt64) async throws {
        let log = EventLog()
        let slow = TestSink("slow", log: log)
        slow.pauses = SeededPauses(seed: seed, microseconds: 0...2_000)
        let fast = TestSink("fast", log: log)
        let workers = [worker(slow, capacity: 8), worker(fast, capacity: 64)]
        let total = 3_000
        let reader = ScriptedReader(name: "file", log: log) { stop in
            // As a decoding session hands over what each chunk of the file gave: chunks of seeded sizes.
            let fanOut = FanOut(queues: workers.map(\.queue)).waiting(unless: stop)
            var generator = SeededGenerator(seed: seed)
            var next = 1
            while next <= total {
                let count = min(total - next + 1, Int.random(in: 0...40, using: &generator))
                fanOut.publish((next..<(next + count)).map { reading($0) })
                next += count
            }
        }
        // The end of the input ends the pipeline by itself once every sink has written everything.
        try await runPipeline(readers: [reader], workers: workers) { _ in }
        for sink in [slow, fast] {
            #expect(numbers(sink.received) == Array(1...total), "\(sink.name)")
        }
        #expect(slow.mostQueued <= 8)
        #expect(fast.mostQueued <= 64)
        for worker in workers {
            #expect(worker.status.dropped == 0)
            #expect(worker.status.written == total)
        }
        let events = log.all
        for name in ["slow", "fast"] {
            let ended = try #require(events.firstIndex(of: "reader file ended"))
            let finish = try #require(events.firstIndex(of: "\(name) finish"))
            let close = try #require(events.firstIndex(of: "\(name) close"))
            #expect(ended < finish && finish < close, "\(name): \(events.suffix(6))")
        }
    }
}

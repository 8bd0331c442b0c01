import CollectorPipeline
import Protocols
import Testing
import TestThreads

/// A serial meter cannot wait: when a sink stalls, its queue keeps the newest readings, drops the oldest and counts
/// them, and the other sinks get everything.
@Suite(.onOwnThread)
struct QueueOverflowTests {
    enum Bound: CaseIterable, Sendable {
        case readings, bytes
    }

    @Test(arguments: Bound.allCases)
    func stalledSinkDropsOldestFirstAndCounts(bound: Bound) async throws {
        let log = EventLog()
        let gate = Gate()
        let stalled = TestSink("stalled", log: log)
        stalled.gate = gate
        let healthy = TestSink("healthy", log: log)
        // Bounded to 4 readings, or to the bytes of a few (each reading here is some 2 KB).
        let stalledWorker = bound == .readings ? worker(stalled, capacity: 4) : worker(stalled, maximumBytes: 8 << 10)
        let workers = [stalledWorker, worker(healthy)]
        let total = 40
        let reader = ScriptedReader(name: "serial", log: log) { stop in
            let fanOut = FanOut(queues: workers.map(\.queue))
            fanOut.publish(reading(1, values: 40))
            // The stalled sink holds reading 1 in its write; what comes now queues behind it.
            log.wait { $0.contains("stalled writing") }
            for number in 2...20 { fanOut.publish(reading(number, values: 40)) }
            // A chunk of a serial meter's bytes may carry several readings: the same rule for a batch.
            fanOut.publish((21...total).map { reading($0, values: 40) })
            log.append("published")
            while !stop.isSet { _ = stop.sleep(seconds: 0.05) }
        }
        try await runPipeline(readers: [reader], workers: workers) { control in
            #expect(log.wait { $0.contains("published") })
            gate.openUp()
            #expect(log.wait { _ in healthy.receivedCount == total && stalled.queue!.counters.queued == 0 })
            await control.shutDown()
        }
        let kept = numbers(stalled.received)
        #expect(kept.first == 1)
        let newest = Array(kept.dropFirst())
        // The newest readings survive, in order, ending with the last one published.
        #expect(!newest.isEmpty && newest == Array((total - newest.count + 1)...total))
        if bound == .readings { #expect(newest.count == 4) } else { #expect(newest.count < 8) }
        #expect(stalledWorker.status.dropped == total - 1 - newest.count)
        #expect(stalledWorker.status.written == kept.count)
        #expect(numbers(healthy.received) == Array(1...total))
        #expect(workers[1].status.dropped == 0)
    }
}

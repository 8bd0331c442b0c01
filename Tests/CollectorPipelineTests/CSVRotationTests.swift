import CollectorPipeline
import Foundation
import Protocols
import Synchronization
import Testing
import TestThreads

/// The CSV sink in the pipeline: a file per meter and UTC day of the reading's time, so a day change starts a new
/// file (with its header) and a late reading goes back to its day's file; a time further ahead than the collector's
/// clock allows goes to the invalid-time file until the clock has caught up. The clock is injected.
@Suite(.onOwnThread)
struct CSVRotationTests {
    static let day: Int64 = 86_400
    /// 2026-03-27T00:00:00Z.
    static let march27: Int64 = 1_774_569_600

    @Test func dayChangeStartsNewFilesAndTheClockDecidesWhatIsValid() async throws {
        let directory = try makeTemporaryDirectory("pipeline-csv")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let clock = Mutex(Self.march27 + Self.day + 12 * 3600)  // the collector's clock: March 28, noon
        let log = EventLog()
        let csv = try CSVSink(directory: directory, logger: quietLogger, now: { clock.withLock { $0 } })
        let sink = TestSink("csv", log: log, passingTo: csv)
        let workers = [worker(sink)]
        let lastSecond = Self.march27 + Self.day - 1
        let farAhead = Self.march27 + 3 * Self.day + 600  // March 30, more than a day ahead of the clock
        let first: [Reading] = [
            reading(1, source: "A", timestamp: lastSecond),
            reading(2, source: "A", timestamp: lastSecond + 1),
            reading(3, source: "B", timestamp: lastSecond),
            reading(4, source: "A", timestamp: lastSecond - 60),  // late: back to March 27
            reading(5, source: "A", timestamp: farAhead),
        ]
        let second = [reading(6, source: "A", timestamp: farAhead)]
        let reader = ScriptedReader(name: "file", log: log) { stop in
            let fanOut = FanOut(queues: workers.map(\.queue)).waiting(unless: stop)
            for reading in first { fanOut.publish([reading]) }
            log.wait { _ in sink.receivedCount == first.count }
            clock.withLock { $0 += 2 * Self.day }  // now March 30, noon
            fanOut.publish(second)
        }
        try await runPipeline(readers: [reader], workers: workers) { _ in }

        func rows(_ name: String) throws -> [String] {
            let text = try String(contentsOfFile: directory + "/" + name, encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            #expect(lines.first.map { $0 + "\n" } == CSVSink.header, "\(name)")
            #expect(lines.last == "", "\(name) ends with a line break")
            // The value column holds the reading's number.
            return lines.dropFirst().dropLast().map { $0.split(separator: ",", omittingEmptySubsequences: false)[4] }
                .map(String.init)
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(files == ["A_2026-03-27.csv", "A_2026-03-28.csv", "A_2026-03-30.csv", "A_invalid-time.csv",
                          "B_2026-03-27.csv"])
        #expect(try rows("A_2026-03-27.csv") == ["1", "4"])
        #expect(try rows("A_2026-03-28.csv") == ["2"])
        #expect(try rows("B_2026-03-27.csv") == ["3"])
        #expect(try rows("A_invalid-time.csv") == ["5"])
        #expect(try rows("A_2026-03-30.csv") == ["6"])
        #expect(workers[0].status.written == 6)
    }
}

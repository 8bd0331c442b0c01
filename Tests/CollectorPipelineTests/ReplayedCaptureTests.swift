import CollectorPipeline
import Configuration
import Foundation
import Protocols
import Testing
import TestThreads

/// The real file reader (capture read-ahead, decoding session, the waiting fan-out) behind a slow sink with a queue of
/// two: the sink gets exactly what the decoder makes of the file, every reading once and in order.
@Suite(.onOwnThread)
struct ReplayedCaptureTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    @Test func replayedCaptureReachesASlowSinkComplete() async throws {
        let directory = try makeTemporaryDirectory("pipeline-replay")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A real E450 capture (two messages in general block transfer), 300 times over.
        let capture = try String(contentsOfFile: Self.packageRoot + "/testdata/hdlc/lge450-gbt-2-messages.hex",
                                 encoding: .utf8)
        let hex = String(repeating: capture + "\n", count: 300)
        try hex.write(toFile: directory + "/replay.hex", atomically: true, encoding: .utf8)
        let configuration = try validatedConfiguration("""
            [reader0]
            type = lge450
            file = \(directory)/replay.hex
            replay_speed = max
            [sink0]
            type = logger

            """, in: directory)
        let readerConfiguration = try #require(configuration.readers.first)

        // What the decoder makes of the same bytes in one piece.
        var bytes: [UInt8] = []
        var high: UInt8?
        for character in hex.utf8 {
            guard let digit = UInt8(String(UnicodeScalar(character)), radix: 16) else { continue }
            if let first = high { bytes.append(first << 4 | digit); high = nil } else { high = digit }
        }
        var decoder = try ReadingDecoderFactory.make(readerConfiguration.decoderConfiguration())
        var expected: [Reading] = []
        let collect: (DecoderEvent) -> Void = { event in
            if case .reading(let reading) = event { expected.append(reading) }
        }
        bytes.withUnsafeBytes { decoder.feed($0, emit: collect) }
        decoder.finish(emit: collect)
        #expect(expected.count >= 300)

        let log = EventLog()
        let slow = TestSink("slow", log: log)
        slow.pauses = SeededPauses(seed: 7, microseconds: 0...1_000)
        let workers = [worker(slow, capacity: 2)]
        let failed = StopFlag()
        let reader = ReaderFactory.make(readerConfiguration, fanOut: FanOut(queues: workers.map(\.queue)),
                                        logger: quietLogger, statisticsInterval: 3600, failed: failed)
        try await runPipeline(readers: [reader], workers: workers) { _ in }
        #expect(slow.received == expected)
        #expect(slow.mostQueued <= 2)
        #expect(workers[0].status.dropped == 0)
        #expect(!failed.isSet)
    }
}

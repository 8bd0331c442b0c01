import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

/// Replays of long captures (issue #19): a file waits for its slowest sink, so every reading reaches every sink
/// exactly once however slow one of them is, and the process ends when everything is written; a serial meter
/// cannot wait, so its stalled sink still drops the oldest readings and counts them.
///
/// The slow sink is real: a JSON-lines sink writing into a named pipe that the test reads in small pieces with
/// pauses (and counts too), so the replay runs at the pace of that reader.
@Suite("Replay backpressure", .onOwnThread, .serialized)
struct ReplayBackpressureTests {
    static let messages = 20_000

    /// The E450 capture with its clock set to `index` seconds after 00:00:00 of its day (hour, minute and second
    /// rewritten in the fourth frame, its FCS recomputed): distinct timestamps for up to 86 400 messages.
    static func capture(index: Int, base: [[UInt8]]) throws -> [UInt8] {
        var frames = base
        var last = frames[3]
        let clock: [UInt8] = [0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x15]
        let at = try #require((0...(last.count - clock.count)).first { Array(last[$0..<($0 + clock.count)]) == clock })
        last[at + 5] = UInt8(index / 3_600 % 24)
        last[at + 6] = UInt8(index / 60 % 60)
        last[at + 7] = UInt8(index % 60)
        let fcs = FileReplayTests.crcX25(last[1..<(last.count - 3)])
        last[last.count - 3] = UInt8(fcs & 0xFF)
        last[last.count - 2] = UInt8(fcs >> 8)
        frames[3] = last
        return frames.flatMap { $0 }
    }

    /// `count` messages, one per second of the day, as a binary capture file.
    static func writeCapture(_ directory: TestFolder, count: Int) throws -> String {
        let base = try captureFrames(LGE450Capture.name)
        var bytes: [UInt8] = []
        for index in 0..<count { bytes += try capture(index: index, base: base) }
        let path = directory.file("capture.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Reads a named pipe slowly (4 KiB, then a pause of 1 ms) on a thread of its own until the writer closes it,
    /// keeping what it read.
    final class SlowPipeReader: @unchecked Sendable {
        private let lock = NSLock()
        private var data: [UInt8] = []
        private let done = DispatchSemaphore(value: 0)

        init(_ path: String) {
            Thread.detachNewThread { [self] in
                let descriptor = open(path, O_RDONLY)
                var chunk = [UInt8](repeating: 0, count: 4_096)
                while descriptor >= 0 {
                    let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                    if count <= 0 { break }
                    lock.withLock { data += chunk[0..<count] }
                    usleep(1_000)
                }
                if descriptor >= 0 { close(descriptor) }
                done.signal()
            }
        }

        /// The lines read, once the writer has closed the pipe.
        func lines() -> [Substring] {
            done.wait()
            let text = lock.withLock { String(decoding: data, as: UTF8.self) }
            return text.split(separator: "\n")
        }
    }

    static func slowSink(_ fifo: String) -> String {
        Ini.sink(9, "jsonl", ["file": fifo])
    }

    /// The timestamps of JSON lines, each checked to be the E450 reading.
    static func timestamps(_ lines: [Substring]) throws -> [String] {
        try lines.map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            #expect(object["source"] as? String == LGE450Capture.source)
            return object["timestamp"] as? String ?? ""
        }
    }

    /// Every one of the capture's `messages` timestamps exactly once.
    static func expectEveryReadingOnce(_ stamps: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(stamps.count == messages, sourceLocation: sourceLocation)
        #expect(Set(stamps).count == messages, "duplicates", sourceLocation: sourceLocation)
    }

    /// The rows of every CSV file in `directory` (the day is UTC: a replay of one local day spans two files), in file
    /// order and then row order, headers left out.
    static func csvRows(_ directory: String) -> [Substring] {
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
        return files.flatMap { name in
            ((try? String(contentsOfFile: directory + "/" + name, encoding: .utf8)) ?? "").split(separator: "\n").dropFirst()
        }
    }

    func replay(sinks: String, directory: TestFolder) throws -> (status: Int32?, stderr: String, slow: [Substring]) {
        let capture = try Self.writeCapture(directory, count: Self.messages)
        let fifo = directory.file("slow.fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let slow = SlowPipeReader(fifo)
        let ini = try directory.write("c.ini", Ini.reader(0, "lge450", ["file": capture, "replay_speed": "max", "timezone": "Europe/Zurich"]) +
            "\(sinks)\n" +
            "\(Self.slowSink(fifo))\n" +
            Ini.logging("INFO"))
        // Generous: the debug build under a sanitizer decodes slowly; the test checks counts, not time.
        let result = try runCollector(["-c", ini], timeout: 600)
        return (result.status, result.stderr, slow.lines())
    }

    @Test("20 000 messages into JSON lines beside a slow sink: every reading once in both, nothing dropped")
    func jsonLinesBesideASlowSink() throws {
        let directory = try TestFolder()
        let run = try replay(sinks: Ini.sink(0, "jsonl", ["file": directory.file("readings.jsonl")]), directory: directory)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        let fast = try String(contentsOfFile: directory.file("readings.jsonl"), encoding: .utf8).split(separator: "\n")
        Self.expectEveryReadingOnce(try Self.timestamps(fast))
        Self.expectEveryReadingOnce(try Self.timestamps(run.slow))
        #expect(run.stderr.contains("written \(Self.messages), failed 0, dropped (queue full) 0, queued 0 sink=sink0/jsonl"),
                "\(run.stderr.suffix(3000))")
        #expect(run.stderr.contains("written \(Self.messages), failed 0, dropped (queue full) 0, queued 0 sink=sink9/jsonl"))
        #expect(!run.stderr.contains("abandoned"))
    }

    @Test("20 000 messages into CSV beside a slow sink: every reading once")
    func csvBesideASlowSink() throws {
        let directory = try TestFolder()
        let run = try replay(sinks: Ini.sink(0, "csv", ["directory": directory.file("csv")]), directory: directory)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        let rows = Self.csvRows(directory.file("csv"))
        let valuesPerReading = LGE450Capture.values.count
        #expect(rows.count == Self.messages * valuesPerReading)
        // One row per value and reading: each timestamp carries exactly the reading's values.
        var perTime: [Substring: Int] = [:]
        for row in rows { perTime[row.prefix { $0 != "," }, default: 0] += 1 }
        #expect(perTime.count == Self.messages)
        #expect(perTime.values.allSatisfy { $0 == valuesPerReading })
        Self.expectEveryReadingOnce(try Self.timestamps(run.slow))
        #expect(run.stderr.contains("written \(Self.messages), failed 0, dropped (queue full) 0, queued 0 sink=sink0/csv"),
                "\(run.stderr.suffix(3000))")
    }

    @Test("20 000 messages into a real PostgreSQL beside a slow sink: every reading stored exactly once",
          .enabled(if: PostgresServer.isInstalled))
    func postgresBesideASlowSink() throws {
        let server = try PostgresServer()
        let directory = try TestFolder()
        let run = try replay(sinks: server.sinkSection(0, spool: directory.file("spool")), directory: directory)
        #expect(run.status == 0, "\(run.stderr.suffix(3000))")
        #expect(run.stderr.contains("stored \(Self.messages) readings"), "\(run.stderr.suffix(3000))")
        let counts = try server.query("""
            SELECT count(DISTINCT time), count(*), count(DISTINCT (time, obis_name)) FROM elec_measurement WHERE device_id = $1
            """, [LGE450Capture.source])
        let rowsPerReading = try server.query("""
            SELECT count(*) FROM elec_measurement WHERE device_id = $1 GROUP BY time ORDER BY 1 LIMIT 1
            """, [LGE450Capture.source]).first?[0].flatMap { $0 }.flatMap { Int($0) } ?? 0
        #expect(rowsPerReading > 0)
        #expect(counts.first?[0] == "\(Self.messages)")
        #expect(counts.first?[1] == "\(Self.messages * rowsPerReading)")
        #expect(counts.first?[2] == counts.first?[1])
        Self.expectEveryReadingOnce(try Self.timestamps(run.slow))
        #expect(run.stderr.contains("dropped (queue full) 0, queued 0 sink=sink0/postgresql"), "\(run.stderr.suffix(3000))")
    }

    /// A FIFO whose pipe is full and that nobody reads: a sink writing into it is stuck until `holder` is read.
    static func stuckFIFO(_ directory: TestFolder) -> (path: String, holder: Int32) {
        let fifo = directory.file("fifo")
        #expect(mkfifo(fifo, 0o600) == 0)
        let holder = open(fifo, O_RDWR | O_NONBLOCK | O_CLOEXEC)
        let filler = [UInt8](repeating: 0x0A, count: 4096)
        while filler.withUnsafeBytes({ write(holder, $0.baseAddress, $0.count) }) > 0 {}
        return (fifo, holder)
    }

    /// An E450 reader (`input`: its file or port) into a JSON-lines sink on `fifo` (queue_size 10) and a CSV sink.
    static func stuckSinkConfiguration(_ input: KeyValuePairs<String, Any>, fifo: String, directory: TestFolder) -> String {
        Ini.reader(0, "lge450", input) + "timezone = Europe/Zurich\n" + Ini.sink(0, "jsonl", ["file": fifo, "queue_size": 10])
            + Ini.sink(1, "csv", ["directory": directory.file("csv")]) + Ini.logging()
    }

    /// A replayed file whose sink is stuck (a pipe nobody reads) waits for it: nothing is dropped, the process stays
    /// until SIGTERM, and then the stuck sink is abandoned with its readings counted as queued, not dropped.
    @Test("a file waits for a stuck sink instead of dropping; SIGTERM still ends it")
    func fileWaitsForAStuckSink() throws {
        let directory = try TestFolder()
        let (fifo, holder) = Self.stuckFIFO(directory)
        defer { close(holder) }
        let capture = try Self.writeCapture(directory, count: 300)
        let ini = try directory.write("c.ini", Self.stuckSinkConfiguration(["file": capture], fifo: fifo, directory: directory))
        let collector = try launchCollector(["-c", ini])
        // The stuck sink holds one batch in its write and at most `queue_size` queued: the reader waits for it, so
        // the other sink gets at most those readings and the rest of the chunk the reader was handing out (one 64 KiB
        // read of the file), not the 300 of the file.
        let perReading = LGE450Capture.values.count
        #expect(eventually(timeout: 120) { Self.csvRows(directory.file("csv")).count >= 10 * perReading })
        #expect(collector.isRunning)
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 20) == 0)
        let log = collector.stderr.contents
        let abandoned = log.split(separator: "\n").first { $0.contains("abandoned at shutdown") } ?? ""
        #expect(abandoned.contains("dropped (queue full) 0") && abandoned.contains("sink=sink0/jsonl"), "\(log.suffix(3000))")
        #expect(log.contains("stopped: "), "\(log.suffix(3000))")
        #expect(!log.contains("all input read"))
        #expect(Self.csvRows(directory.file("csv")).count < 300 * perReading)
    }

    /// A serial meter cannot wait: with its sink stalled (a full pipe), the queue keeps the newest `queue_size`
    /// readings, the oldest are dropped and counted, and once the pipe is read again the sink writes what it kept.
    @Test("a serial reader with a stalled sink drops the oldest readings first and counts them")
    func serialReaderDropsOldestFirst() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        defer { pty.unplug() }
        let (fifo, holder) = Self.stuckFIFO(directory)
        defer { close(holder) }
        let ini = try directory.write("c.ini", Self.stuckSinkConfiguration(["port": pty.meter], fifo: fifo, directory: directory))
        let collector = try launchCollector(["-c", ini])
        defer { if collector.isRunning { collector.signal(SIGKILL) } }
        #expect(eventually(timeout: 20) { collector.stderr.contents.contains("reading lge450 on \(pty.meter)") })
        let count = 50
        let base = try captureFrames(LGE450Capture.name)
        for index in 0..<count { pty.write(try Self.capture(index: index, base: base)) }
        let rows = count * LGE450Capture.values.count
        #expect(eventually(timeout: 60) { Self.csvRows(directory.file("csv")).count == rows })
        // Stop the collector and read the pipe meanwhile: the blocked write ends, and the sink writes what its queue
        // kept before it closes.
        collector.signal(SIGTERM)
        _ = fcntl(holder, F_SETFL, 0)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        func drain() -> Bool {
            var poller = pollfd(fd: holder, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 100) > 0 else { return false }
            let n = chunk.withUnsafeMutableBytes { read(holder, $0.baseAddress, $0.count) }
            if n > 0 { received += chunk[0..<n] }
            return n > 0
        }
        while collector.isRunning { _ = drain() }
        while drain() {}
        #expect(collector.waitForExit(timeout: 20) == 0)
        let log = collector.stderr.contents
        let summary = log.split(separator: "\n").last { $0.contains("stopped: written") && $0.contains("sink=sink0/jsonl") } ?? ""
        let numbers = summary.firstMatch(of: /written (\d+), failed 0, dropped \(queue full\) (\d+), queued 0/)
        let written = numbers.map { Int($0.1)! } ?? -1
        let dropped = numbers.map { Int($0.2)! } ?? -1
        #expect(dropped > 0, "\(log.suffix(3000))")
        #expect(written + dropped == count, "\(summary)")
        let stamps = try Self.timestamps(String(decoding: received, as: UTF8.self).split(separator: "\n"))
        #expect(stamps.count == written)
        // The order the meter sent them in, from the CSV sink that got everything.
        var order: [String] = []
        for row in Self.csvRows(directory.file("csv")) {
            let time = String(row.prefix { $0 != "," })
            if order.last != time { order.append(time) }
        }
        #expect(order.count == count)
        // Written: the batch the blocked write held, then the newest `queue_size`; dropped: everything else, each the
        // oldest of what was queued when it went. The held batch is a run of consecutive readings taken when the sink
        // thread woke, which under load may be after the queue had already dropped the first readings (so it need not
        // start at the meter's first one, and may even be the newest ten, with nothing queued behind it).
        #expect(written >= 10 && stamps.count == written)
        if written >= 10 && stamps.count == written && order.count == count {
            #expect(Array(stamps.suffix(10)) == Array(order.suffix(10)), "\(stamps)")
            let held = stamps.dropLast(10)
            if let first = held.first {
                let start = order.firstIndex(of: first) ?? count
                #expect(start + held.count <= count - 10, "\(stamps)")
                #expect(Array(held) == Array(order[min(start, count)..<min(start + held.count, count)]), "\(stamps)")
            }
        }
    }
}

import Foundation
import TestSupport
import Protocols
import Testing
import TestThreads

/// A pair of linked pseudo-terminals made by socat: the collector opens `meter`, the test writes into `feed`.
/// Stopping socat is unplugging the meter: both links go away and the collector's end hangs up.
final class PtyPair {
    let meter: String
    let feed: String
    private var pid: pid_t = 0

    /// `name` (when given) keeps the links of several pairs in one folder apart.
    init(directory: TestFolder, name: String = "") {
        meter = directory.file(name.isEmpty ? "meter" : name + "-meter")
        feed = directory.file(name.isEmpty ? "feed" : name + "-feed")
    }

    init(directory: TestFolder, names: (meter: String, feed: String)) {
        meter = directory.file(names.meter)
        feed = directory.file(names.feed)
    }

    func plug() throws {
        pid = try ChildProcess.spawn(["/usr/bin/socat", "pty,raw,echo=0,link=\(meter)", "pty,raw,echo=0,link=\(feed)"])
        let ready = eventually(timeout: 5) {
            FileManager.default.fileExists(atPath: meter) && FileManager.default.fileExists(atPath: feed)
        }
        guard ready else {
            unplug()
            throw Shell.Failure(description: "socat did not create its ptys (is socat installed?)")
        }
    }

    func unplug() {
        guard pid > 0 else { return }
        ChildProcess.signalAndWait(pid, SIGTERM)
        pid = 0
        _ = eventually(timeout: 2) { !FileManager.default.fileExists(atPath: meter) }
    }

    /// Writes `bytes` into the feed end in chunks of the given sizes (cycled), pausing between chunks.
    func write(_ bytes: [UInt8], chunkSizes: [Int]? = nil, pause: useconds_t = 0) {
        let chunkSizes = chunkSizes ?? [bytes.count]
        let descriptor = open(feed, O_WRONLY | O_NOCTTY)
        guard descriptor >= 0 else {
            Issue.record("cannot open \(feed): errno \(errno)")
            return
        }
        defer { close(descriptor) }
        var offset = 0
        var index = 0
        while offset < bytes.count {
            let size = min(chunkSizes[index % chunkSizes.count], bytes.count - offset)
            let written = bytes[offset..<(offset + size)].withUnsafeBytes { Foundation.write(descriptor, $0.baseAddress, size) }
            guard written == size else {
                Issue.record("short write into \(feed): \(written) of \(size) bytes, errno \(errno)")
                return
            }
            offset += size
            index += 1
            if pause > 0 { usleep(pause) }
        }
    }

    /// Reads and discards what waits on the meter side (in the pty and in socat) until nothing came for `quiet`
    /// seconds: what a meter sent while no collector had the port open.
    func discardPending(quiet: Double = 0.3) {
        let descriptor = open(meter, O_RDONLY | O_NOCTTY | O_NONBLOCK)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var lastData = Date()
        while Date().timeIntervalSince(lastData) < quiet {
            if read(descriptor, &buffer, buffer.count) > 0 { lastData = Date() } else { usleep(10_000) }
        }
    }

    deinit { unplug() }
}

/// The collector reading a meter on a serial port (a pseudo-terminal): byte-wise and bursty input with noise,
/// unplug and replug of the device, and shutdown on signals.
@Suite(.onOwnThread, .serialized) struct SerialPortTests {
    static func startCollector(_ pty: PtyPair, directory: TestFolder, readerKeys: String = "",
                               logging: String = "") throws -> RunningProcess {
        let ini = try directory.write("c.ini", Ini.reader(0, "lge450", ["port": pty.meter, "timezone": "Europe/Zurich"]) +
            "\(readerKeys)\n" +
            Ini.sink(0, "jsonl", ["file": directory.file("readings.jsonl")]) +
            Ini.sink(1, "csv", ["directory": directory.file("csv")]) +
            Ini.logging("INFO") +
            "\(logging)\n")
        return try launchCollector(["-c", ini])
    }

    static func readingCount(_ directory: TestFolder) -> Int {
        ((try? jsonLines(directory.file("readings.jsonl"))) ?? []).count
    }

    @Test func byteWiseAndBurstyInputWithNoise() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try Self.startCollector(pty, directory: directory)
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading lge450 on \(pty.meter) at 2400 8E1") })

        let frames = try captureFrames(LGE450Capture.name)
        let capture = frames.flatMap { $0 }
        // One byte per write.
        pty.write(capture, chunkSizes: [1])
        #expect(eventually(timeout: 5) { Self.readingCount(directory) == 1 })
        // Bursts of odd sizes with pauses, noise between frames and before the first.
        let noise: [UInt8] = [0x00, 0xFF, 0x13, 0x11, 0x55, 0xAA, 0x0D, 0x0A]
        var noisy: [UInt8] = noise
        for frame in frames { noisy += frame + noise }
        pty.write(noisy, chunkSizes: [7, 1, 64, 3, 200, 13], pause: 3_000)
        // All at once, twice.
        pty.write(capture + capture)
        #expect(eventually(timeout: 5) { Self.readingCount(directory) == 4 })

        collector.signal(SIGINT)
        #expect(collector.waitForExit(timeout: 5) == 0)
        let readings = try jsonLines(directory.file("readings.jsonl"))
        #expect(readings.count == 4)
        for reading in readings { LGE450Capture.expectJSON(reading) }
        LGE450Capture.expectCSV(directory.file("csv/" + LGE450Capture.csvFile), readings: 4)
        #expect(collector.stderr.contents.contains("readings 4,"))
    }

    @Test func unplugAndReplugTheMeter() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try Self.startCollector(pty, directory: directory)
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading lge450 on \(pty.meter)") })
        let capture = try captureFrames(LGE450Capture.name).flatMap { $0 }
        pty.write(capture)
        #expect(eventually(timeout: 5) { Self.readingCount(directory) == 1 })

        // Unplug in the middle of a frame, stay away for longer than a few backoff steps, plug back in.
        pty.write(Array(capture.prefix(100)))
        pty.unplug()
        #expect(eventually(timeout: 5) { collector.stderr.contents.contains("lost \(pty.meter)") })
        usleep(2_500_000)
        try pty.plug()
        #expect(eventually(timeout: 8) { collector.stderr.contents.contains("\(pty.meter) is back") })
        pty.write(capture)
        #expect(eventually(timeout: 5) { Self.readingCount(directory) == 2 })

        // Once more, quickly.
        pty.unplug()
        try pty.plug()
        #expect(eventually(timeout: 8) {
            collector.stderr.contents.components(separatedBy: "\(pty.meter) is back").count == 3
        })
        pty.write(capture)
        #expect(eventually(timeout: 5) { Self.readingCount(directory) == 3 })

        collector.signal(SIGTERM)
        let stopping = Date()
        #expect(collector.waitForExit(timeout: 5) == 0)
        #expect(Date().timeIntervalSince(stopping) < 2)
        let log = collector.stderr.contents
        // Each outage is reported once, not once per retry.
        #expect(log.components(separatedBy: "lost \(pty.meter)").count == 3)
        #expect(log.components(separatedBy: "cannot open \(pty.meter)").count <= 3)
        let readings = try jsonLines(directory.file("readings.jsonl"))
        #expect(readings.count == 3)
        for reading in readings { LGE450Capture.expectJSON(reading) }
        LGE450Capture.expectCSV(directory.file("csv/" + LGE450Capture.csvFile), readings: 3)
    }

    @Test func meterPluggedInAfterStart() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        let collector = try Self.startCollector(pty, directory: directory)
        #expect(eventually(timeout: 10) {
            collector.stderr.contents.contains("cannot open \(pty.meter): No such file or directory; retrying until it is back")
        })
        try pty.plug()
        #expect(eventually(timeout: 8) { collector.stderr.contents.contains("\(pty.meter) is back") })
        pty.write(try captureFrames(LGE450Capture.name).flatMap { $0 })
        #expect(eventually(timeout: 5) { Self.readingCount(directory) == 1 })
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
    }

    /// termios as configured: speed, odd parity, two stop bits, raw, no flow control, non-blocking reads. (Linux ptys
    /// force CS8 and clear PARENB, so those two cannot be seen here.)
    @Test func serialSettingsReachTermios() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try Self.startCollector(pty, directory: directory,
                                                readerKeys: "baudrate = 9600\nparity = O\nstopbits = 2")
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading lge450 on \(pty.meter) at 9600 8O2") })
        let stty = try RunningProcess("/bin/stty", ["-a", "-F", pty.meter])
        #expect(stty.waitForExit(timeout: 5) == 0)
        let words = Set(stty.stdout.contents.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
        #expect(stty.stdout.contents.hasPrefix("speed 9600 baud"))
        for flag in ["parodd", "cstopb", "cread", "clocal", "-crtscts", "-icanon", "-echo", "-isig", "-opost", "-ixon", "-icrnl"] {
            #expect(words.contains(flag), "\(flag)")
        }
        #expect(stty.stdout.contents.contains("min = 0; time = 0;"))
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
    }

    /// Counters of the reader and of each sink are logged every `statistics_interval` seconds, not only at the end.
    @Test func countersAreLoggedPeriodically() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try Self.startCollector(pty, directory: directory, logging: "statistics_interval = 1")
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading lge450 on \(pty.meter)") })
        pty.write(try captureFrames(LGE450Capture.name).flatMap { $0 })
        #expect(eventually(timeout: 5) {
            collector.stderr.contents.contains(
                "INFO smartmeter: bytes 504, frames 4, messages 1, readings 1, skipped bytes 0, dropped 0, published 1 reader=reader0")
        })
        #expect(eventually(timeout: 5) {
            collector.stderr.contents.contains("INFO sink: written 1, failed 0, dropped (queue full) 0, queued 0 sink=sink0/jsonl")
        })
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
    }
}

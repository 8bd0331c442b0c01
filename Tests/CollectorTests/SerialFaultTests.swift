import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

/// The collector reading an E450 on a pseudo-terminal that misbehaves as serial lines do: the device vanishing in the
/// middle of frames, a meter at the wrong speed, a burst of garbage, frames split across reads at every byte. The
/// collector keeps running, finds the next frame, and reports every intact message exactly once with its values.
@Suite("Serial faults", .onOwnThread, .serialized)
struct SerialFaultTests {
    static func start(_ pty: PtyPair, _ directory: TestFolder) throws -> RunningProcess {
        let collector = try SerialPortTests.startCollector(pty, directory: directory)
        #expect(eventually(timeout: 10) { collector.stderr.contents.contains("reading lge450 on \(pty.meter)") },
                "\(collector.stderr.contents)")
        return collector
    }

    /// Stops the collector (it must still be running) and checks every reading against the capture.
    static func finish(_ collector: RunningProcess, _ directory: TestFolder, readings: Int,
                       sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(collector.isRunning, "the collector survived", sourceLocation: sourceLocation)
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: runsUnderSanitizer ? 20 : 15) == 0, sourceLocation: sourceLocation)
        let decoded = try jsonLines(directory.file("readings.jsonl"))
        #expect(decoded.count == readings, "\(collector.stderr.contents.suffix(2000))", sourceLocation: sourceLocation)
        guard decoded.count == readings else { return }
        for reading in decoded { LGE450Capture.expectJSON(reading, sourceLocation: sourceLocation) }
        LGE450Capture.expectCSV(directory.file("csv/" + LGE450Capture.csvFile), readings: readings,
                                sourceLocation: sourceLocation)
    }

    @Test("the device closes in the middle of a frame five times and comes back: every whole message once, the cut ones never")
    func closedMidFrameRepeatedly() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try Self.start(pty, directory)
        let frames = try captureFrames(LGE450Capture.name)
        let capture = frames.flatMap { $0 }
        // Cut inside the first frame's header, inside its information field, just before its closing flag, inside the
        // third frame, and in the last frame's checksum. (Without only its closing flag the last frame is whole: the
        // opening flag of the next message closes it, and that message counts.)
        let cuts = [3, 60, frames[0].count - 1, frames[0].count + frames[1].count + 17, capture.count - 2]
        for (cycle, cut) in cuts.enumerated() {
            pty.write(capture)
            #expect(eventually(timeout: 5) { SerialPortTests.readingCount(directory) == cycle + 1 }, "cycle \(cycle)")
            pty.write(Array(capture.prefix(cut)))
            usleep(50_000)
            pty.unplug()
            #expect(eventually(timeout: 5) {
                collector.stderr.contents.components(separatedBy: "lost \(pty.meter)").count == cycle + 2
            }, "cycle \(cycle)")
            try pty.plug()
            #expect(eventually(timeout: 8) {
                collector.stderr.contents.components(separatedBy: "\(pty.meter) is back").count == cycle + 2
            }, "cycle \(cycle): \(collector.stderr.contents.suffix(1000))")
        }
        // The first message after the last return comes out too.
        pty.write(capture)
        #expect(eventually(timeout: 5) { SerialPortTests.readingCount(directory) == cuts.count + 1 })
        try Self.finish(collector, directory, readings: cuts.count + 1)
    }

    @Test("a meter at the wrong speed (9600, 1200 and 115200 baud read at 2400): noise, no reading, and the right speed decodes again")
    func wrongBaudRate() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try Self.start(pty, directory)
        let capture = try captureFrames(LGE450Capture.name).flatMap { $0 }
        var readings = 0
        for speed in [9600, 1200, 115_200] {
            let noise = WrongBaudRate.received(capture + capture, sentAt: speed, readAt: 2400)
            #expect(!noise.isEmpty && noise != capture, "\(speed)")
            pty.write(noise, chunkSizes: [61, 7, 200])
            // Right after the noise, without a pause: the frame after it must not be lost.
            pty.write(capture)
            readings += 1
            #expect(eventually(timeout: 5) { SerialPortTests.readingCount(directory) == readings },
                    "after noise of \(speed) baud: \(collector.stderr.contents.suffix(1000))")
        }
        usleep(300_000)
        try Self.finish(collector, directory, readings: readings)
        #expect(!collector.stderr.contents.contains("skipped bytes 0,"), "the noise was skipped and counted")
    }

    @Test("10 MB of random bytes through the pty: the collector keeps its memory, skips them and decodes the next message")
    func garbageBurst() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try Self.start(pty, directory)
        let capture = try captureFrames(LGE450Capture.name).flatMap { $0 }
        pty.write(capture)
        #expect(eventually(timeout: 5) { SerialPortTests.readingCount(directory) == 1 })
        let before = Self.residentKilobytes(collector.pid)

        var generator = SeededGenerator(seed: 10)
        var garbage = [UInt8](repeating: 0, count: 10 << 20)
        for index in garbage.indices { garbage[index] = UInt8.random(in: 0...255, using: &generator) }
        pty.write(garbage, chunkSizes: [65_536])
        pty.write(capture)
        #expect(eventually(timeout: 120) { SerialPortTests.readingCount(directory) == 2 }, "\(collector.stderr.contents)")
        let after = Self.residentKilobytes(collector.pid)
        // AddressSanitizer keeps freed memory in quarantine (256 MB): the bound means something without it only.
        #expect(runsUnderSanitizer || after - before < 16_384, "resident memory grew from \(before) kB to \(after) kB")
        try Self.finish(collector, directory, readings: 2)
        let bytes = collector.stderr.contents.components(separatedBy: "stopped: bytes ").last?.prefix(while: \.isNumber)
        #expect(bytes.flatMap { Int($0) }.map { $0 >= 10 << 20 } == true, "every byte was read: \(bytes ?? "")")
    }

    @Test("the capture split in two at every byte position, 2 ms apart: one reading per split")
    func splitAtEveryPosition() throws {
        let directory = try TestFolder()
        let pty = PtyPair(directory: directory)
        try pty.plug()
        let collector = try Self.start(pty, directory)
        let capture = try captureFrames(LGE450Capture.name).flatMap { $0 }
        let descriptor = open(pty.feed, O_WRONLY | O_NOCTTY)
        #expect(descriptor >= 0)
        defer { close(descriptor) }
        for position in 1..<capture.count {
            for part in [capture[..<position], capture[position...]] {
                let written = part.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                #expect(written == part.count)
                usleep(2_000)
            }
        }
        let expected = capture.count - 1
        #expect(eventually(timeout: 30) { SerialPortTests.readingCount(directory) == expected })
        try Self.finish(collector, directory, readings: expected)
    }

    /// VmRSS of a process in kB.
    static func residentKilobytes(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
}

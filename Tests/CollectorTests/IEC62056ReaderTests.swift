import Foundation
import Synchronization
import Testing
import TestSupport
import TestThreads

/// The collector reading a Siemens TD-3511 (IEC 62056-21 mode C) on a pseudo-terminal whose other end this test
/// plays: it answers each sign-on as its script says and records every byte the collector sends. Linux ptys ignore
/// speed and parity, so the bytes exchanged are checked, not the line settings.
@Suite(.onOwnThread, .serialized) struct IEC62056ReaderTests {
    /// What the meter does after one sign-on request.
    enum Answer: Sendable {
        case readout(wrongBCC: Bool)
        case silent
        /// Noise instead of an identification.
        case noise
        /// Identification, then half of the data block.
        case cutShort
    }

    /// The meter's end of the line, on its own thread: each `/?!` CR LF gets the next answer of `script` (the last
    /// one repeats).
    final class TD3511: @unchecked Sendable {
        static let identification = "/SIE5TD3511\r\n"
        static let ack: [UInt8] = [0x06, 0x30, 0x35, 0x30, 0x0D, 0x0A]   // ACK 0 5 0 CR LF: data readout at 9600
        private let descriptor: Int32
        private let script: Mutex<[Answer]>
        private let heardBytes = Mutex<[UInt8]>([])
        private let signOnTimes = Mutex<[Date]>([])
        private let stopped = Atomic<Bool>(false)
        private let finished = Atomic<Bool>(false)
        let block: [UInt8]

        init(feed: String, script: [Answer]) throws {
            descriptor = open(feed, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
            guard descriptor >= 0 else { throw Shell.Failure(description: "cannot open \(feed): errno \(errno)") }
            self.script = Mutex(script)
            let text = try String(contentsOf: iecTestdata.appendingPathComponent("siemens-td3511-readout.txt"), encoding: .utf8)
            // The capture's lines with CR LF, as the meter sends them.
            block = Array(text.split(separator: "\n", omittingEmptySubsequences: true)
                .map { $0.hasSuffix("\r") ? String($0) + "\n" : String($0) + "\r\n" }.joined().utf8)
            Thread { [self] in self.play() }.start()
        }

        /// STX block ETX BCC; BCC = XOR of the bytes after STX through ETX.
        func envelope(wrongBCC: Bool) -> [UInt8] {
            let body = block + [0x03]
            return [0x02] + body + [body.reduce(0, ^) ^ (wrongBCC ? 0x5A : 0)]
        }

        var heard: [UInt8] { heardBytes.withLock { $0 } }
        var signOns: [Date] { signOnTimes.withLock { $0 } }
        func setScript(_ answers: [Answer]) { script.withLock { $0 = answers } }

        private func play() {
            var buffer = [UInt8](repeating: 0, count: 256)
            var pending: [UInt8] = []
            var current = Answer.silent
            while !stopped.load(ordering: .acquiring) {
                let count = read(descriptor, &buffer, buffer.count)
                guard count > 0 else { usleep(5_000); continue }
                heardBytes.withLock { $0 += buffer[0..<count] }
                pending += buffer[0..<count]
                if pending.count >= 5, Array(pending.suffix(5)) == Array("/?!\r\n".utf8) {
                    pending = []
                    signOnTimes.withLock { $0.append(Date()) }
                    current = script.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] }
                    switch current {
                    case .silent: break
                    case .noise: send((0..<40).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) | 0x80 })
                    case .readout, .cutShort: send(Array(Self.identification.utf8))
                    }
                } else if pending.count >= 6, Array(pending.suffix(6)) == Self.ack {
                    pending = []
                    usleep(50_000)
                    switch current {
                    case .readout(let wrongBCC): send(envelope(wrongBCC: wrongBCC))
                    case .cutShort: send(Array(envelope(wrongBCC: false).prefix(block.count / 2)))
                    case .silent, .noise: break
                    }
                }
            }
            finished.store(true, ordering: .releasing)
        }

        private func send(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
                if written > 0 { offset += written } else { usleep(2_000) }
            }
        }

        func stop() {
            stopped.store(true, ordering: .releasing)
            // Its thread ends within one read timeout; the descriptor is closed only after it.
            if eventually(timeout: 10, { self.finished.load(ordering: .acquiring) }) { close(descriptor) }
        }
    }

    static let iecTestdata = packageRoot.appendingPathComponent("testdata/iec62056-21")

    static func startCollector(_ pty: PtyPair, directory: TestFolder, interval: Int = 1) throws -> RunningProcess {
        let ini = try directory.write("c.ini", Ini.reader(0, "siemens_td3511", ["port": pty.meter, "timezone": "Europe/Zurich", "interval": interval]) +
            Ini.sink(0, "jsonl", ["file": directory.file("readings.jsonl")]) +
            Ini.logging("INFO"))
        return try launchCollector(["-c", ini])
    }

    static func readings(_ directory: TestFolder) -> [[String: Any]] {
        (try? jsonLines(directory.file("readings.jsonl"))) ?? []
    }

    /// One JSON-lines reading against siemens-td3511-readout.json, value by value. Our register map types 3.8.1 and
    /// 4.8.1 as the tariff-1 registers they are, in varh, and keeps angles in degrees, untyped.
    static func expectReadout(_ reading: [String: Any], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let data = try Data(contentsOf: iecTestdata.appendingPathComponent("siemens-td3511-readout.json"))
        let expected = (try JSONSerialization.jsonObject(with: data) as! [String: Any])["expected"] as! [String: Any]
        #expect(reading["source"] as? String == expected["meter_id"] as? String, sourceLocation: sourceLocation)
        // 2024-03-21T21:10:29 meter time in Europe/Zurich (CET).
        #expect(reading["timestamp"] as? String == "2024-03-21T20:10:29Z", sourceLocation: sourceLocation)
        let points = reading["values"] as? [[String: Any]] ?? []
        let expectedPoints = expected["data_points"] as! [[String: Any]]
        #expect(points.count == expectedPoints.count, sourceLocation: sourceLocation)
        for point in expectedPoints {
            let obis = point["obis"] as! String
            guard let found = points.first(where: { $0["obis"] as? String == obis }) else {
                Issue.record("\(obis) missing", sourceLocation: sourceLocation)
                continue
            }
            var value = point["value"] as! Double
            var unit = point["unit"] as! String
            var type: String? = point["quantity"] as? String
            switch unit {
            case "rad": value *= 180 / Double.pi; unit = "°"; type = nil   // no ANGLE_UI types in our model
            case "VAh": unit = "varh"; type! += "_T1"
            case "VA": unit = "var"
            default: break
            }
            let actual = (found["value"] as? NSNumber)?.doubleValue ?? .nan
            #expect(abs(actual - value) < 1e-6, "\(obis): \(actual) != \(value)", sourceLocation: sourceLocation)
            #expect(found["unit"] as? String == unit, "\(obis)", sourceLocation: sourceLocation)
            #expect(found["type"] as? String == type, "\(obis)", sourceLocation: sourceLocation)
        }
    }

    static func occurrences(_ needle: [UInt8], in haystack: [UInt8]) -> Int {
        guard haystack.count >= needle.count else { return 0 }
        return (0...(haystack.count - needle.count)).filter { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }.count
    }

    static let signOn = Array("/?!\r\n".utf8)

    /// A TD3511 playing `script` on a pty and the collector polling it every second; `stop()` ends both.
    struct MeterRun {
        let directory: TestFolder
        let pty: PtyPair
        let meter: TD3511
        let collector: RunningProcess

        init(script: [Answer]) throws {
            directory = try TestFolder()
            pty = PtyPair(directory: directory)
            try pty.plug()
            meter = try TD3511(feed: pty.feed, script: script)
            do {
                collector = try IEC62056ReaderTests.startCollector(pty, directory: directory)
            } catch {
                meter.stop()
                throw error
            }
        }

        func stop() {
            collector.stop()
            meter.stop()
        }
    }

    @Test func readoutEveryInterval() throws {
        let run = try MeterRun(script: [.readout(wrongBCC: false)])
        defer { run.stop() }
        let directory = run.directory, pty = run.pty, meter = run.meter, collector = run.collector
        #expect(eventually(timeout: 40) { Self.readings(directory).count >= 3 })
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)

        let readings = Self.readings(directory)
        #expect(readings.count >= 3)
        for reading in readings { try Self.expectReadout(reading) }
        // Sign-on, then the acknowledgement that picks 9600 baud (the meter's '5'), and nothing else, each time.
        let heard = meter.heard
        let oneReadout = Self.signOn + TD3511.ack
        #expect(Array(heard.prefix(oneReadout.count * 3)) == oneReadout + oneReadout + oneReadout)
        // One sign-on per interval (1 s): not back to back, not much later.
        let times = meter.signOns
        for (earlier, later) in zip(times, times.dropFirst()) {
            let gap = later.timeIntervalSince(earlier)
            #expect(gap > 0.9 && gap < 4, "\(gap) s between sign-ons")
        }
        let log = collector.stderr.contents
        #expect(log.contains("reading siemens_td3511 on \(pty.meter): sign-on at 300 7E1, readout up to 19200 baud every 1 s"), "\(log)")
        #expect(!log.contains("WARNING"), "\(log)")
    }

    @Test func silentMeterIsSignedOnAgainUntilItAnswers() throws {
        let run = try MeterRun(script: [.silent])
        defer { run.stop() }
        let directory = run.directory, meter = run.meter, collector = run.collector
        try #require(eventually(timeout: 40) { meter.signOns.count >= 3 })
        #expect(Self.readings(directory).isEmpty)
        // No acknowledgement without an identification; only sign-ons went out.
        #expect(Self.occurrences(Self.signOn, in: meter.heard) * Self.signOn.count == meter.heard.count)
        // Silence (2 s) and the pause after a failure (2 s at least): sign-ons about 4 s apart.
        let times = meter.signOns
        for (earlier, later) in zip(times, times.dropFirst()) {
            #expect(later.timeIntervalSince(earlier) > 3.5)
        }
        meter.setScript([.readout(wrongBCC: false)])
        try #require(eventually(timeout: 30) { Self.readings(directory).count >= 1 })
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        try Self.expectReadout(Self.readings(directory)[0])
        let log = collector.stderr.contents
        // Logged once, however many attempts failed; and the recovery.
        #expect(log.components(separatedBy: "readout failed: no identification from the meter").count == 2, "\(log)")
        #expect(log.contains("WARNING smartmeter: the meter answers again (/SIE5TD3511)"), "\(log)")
    }

    @Test func wrongBCCPublishesNothingAndTheReaderKeepsSigningOn() throws {
        let run = try MeterRun(script: [.readout(wrongBCC: true)])
        defer { run.stop() }
        let directory = run.directory, meter = run.meter, collector = run.collector
        // Three sign-ons, each acknowledged after the identification (the acknowledgement comes a round trip at
        // 300 baud after the sign-on: waiting for the sign-ons alone raced it).
        try #require(eventually(timeout: 40) { meter.signOns.count >= 3 && Self.occurrences(TD3511.ack, in: meter.heard) >= 3 })
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        #expect(Self.readings(directory).isEmpty)
        // Each sign-on got its acknowledgement: the dialogue itself went through.
        #expect(Self.occurrences(TD3511.ack, in: meter.heard) >= 3)
        let log = collector.stderr.contents
        #expect(log.components(separatedBy: "readout failed: the readout gave no reading (dropped: ").count == 2, "\(log)")
        #expect(log.contains("BCC"), "\(log)")
        #expect(log.contains("readings 0,"), "\(log)")
    }

    /// Noise instead of an identification, then a block cut short: neither stalls the reader nor spoils the readout
    /// that follows.
    @Test func noiseAndCutShortBlocksDoNotStall() throws {
        let run = try MeterRun(script: [.noise, .cutShort, .readout(wrongBCC: false)])
        defer { run.stop() }
        let directory = run.directory, meter = run.meter, collector = run.collector
        #expect(eventually(timeout: 40) { Self.readings(directory).count >= 2 })
        collector.signal(SIGTERM)
        #expect(collector.waitForExit(timeout: 5) == 0)
        for reading in Self.readings(directory) { try Self.expectReadout(reading) }
        // The noise got no acknowledgement; the cut-short and good readouts did.
        let heard = meter.heard
        #expect(Array(heard.prefix(Self.signOn.count * 2 + TD3511.ack.count)) == Self.signOn + Self.signOn + TD3511.ack)
        let log = collector.stderr.contents
        #expect(log.components(separatedBy: "WARNING smartmeter: readout failed: ").count == 2, "\(log)")
        #expect(log.contains("the meter answers again"), "\(log)")
    }
}

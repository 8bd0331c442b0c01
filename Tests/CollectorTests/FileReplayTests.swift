import Foundation
import TestSupport
import Configuration
import Protocols
import Testing
import TestThreads

/// The collector replaying capture files (`file = ...`) into the logger, CSV and JSON-lines sinks.
@Suite(.onOwnThread) struct FileReplayTests {
    static func config(file: String, directory: TestFolder, extra: String = "", sinks: String? = nil) -> String {
        Ini.reader(0, "lge450", ["file": file, "timezone": "Europe/Zurich"]) + extra + "\n"
            + (sinks ?? Ini.sink(0, "jsonl", ["file": directory.file("readings.jsonl")])
                + Ini.sink(1, "csv", ["directory": directory.file("csv")]) + Ini.sink(2, "logger"))
            + Ini.logging()
    }

    /// Replays `file` into the sinks of `config` (JSON lines, CSV and the logger unless `sinks` says otherwise) and
    /// expects a clean exit.
    @discardableResult
    static func replay(_ file: String, in directory: TestFolder, extra: String = "", sinks: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> (status: Int32?, stdout: String, stderr: String) {
        let ini = try directory.write("c.ini", config(file: file, directory: directory, extra: extra, sinks: sinks))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)", sourceLocation: sourceLocation)
        return result
    }

    @Test func hexCaptureReachesEverySinkValueByValue() throws {
        let directory = try TestFolder()
        let result = try Self.replay(LGE450Capture.path, in: directory)
        let readings = try jsonLines(directory.file("readings.jsonl"))
        #expect(readings.count == 1)
        if let reading = readings.first { LGE450Capture.expectJSON(reading) }
        LGE450Capture.expectCSV(directory.file("csv/" + LGE450Capture.csvFile), readings: 1)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == LGE450Capture.values.count)
        #expect(lines.contains("LGZ1030653520967 - 2026-05-04T09:39:21+00:00 - Active Power + (1-0:1.7.0*255): 28 W"))
        #expect(lines.contains("LGZ1030653520967 - 2026-05-04T09:39:21+00:00 - Current L1 (1-0:31.7.0*255): 0.09 A"))
        #expect(result.stderr.contains("end of file: bytes 504, frames 4, messages 1, readings 1"))
    }

    @Test func rawBinaryCaptureAndSourceOverride() throws {
        let directory = try TestFolder()
        let bytes = try captureFrames(LGE450Capture.name).flatMap { $0 }
        let capture = directory.file("capture.bin")
        try Data(bytes + bytes + bytes).write(to: URL(fileURLWithPath: capture))
        _ = try Self.replay(capture, in: directory, extra: "id = kitchen")
        let readings = try jsonLines(directory.file("readings.jsonl"))
        #expect(readings.count == 3)
        for reading in readings { LGE450Capture.expectJSON(reading, source: "kitchen") }
        LGE450Capture.expectCSV(directory.file("csv/kitchen_2026-05-04.csv"), readings: 3, source: "kitchen")
    }

    /// The "plain file with telegrams" source: P1 text is replayed as it is, not taken for hex.
    @Test func p1TelegramTextFile() throws {
        let directory = try TestFolder()
        let telegram = packageRoot.appendingPathComponent("testdata/dsmr/fluvius-v171.txt").path
        let ini = try directory.ini(Ini.reader(0, "fluvius", ["file": telegram]),
                                    Ini.sink(0, "jsonl", ["file": directory.file("readings.jsonl")]),
                                    Ini.sink(1, "csv", ["directory": directory.file("csv")]))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)")
        let readings = try jsonLines(directory.file("readings.jsonl"))
        #expect(readings.count == 1)
        let reading = try #require(readings.first)
        #expect(reading["source"] as? String == "1SAG3101021605")
        #expect(value(reading, "ACTIVE_ENERGY_P_T1") as? Double == 34)
        #expect(value(reading, "ACTIVE_ENERGY_P_T2") as? Double == 15758)
        #expect(value(reading, "ACTIVE_ENERGY_N_T2") as? Double == 11)
        #expect(value(reading, "VOLTAGE_L1") as? Double == 234.7)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("csv"))
        #expect(files.count == 1)
        #expect(files.first?.hasPrefix("1SAG3101021605_2020-05-") == true)
        let csv = try String(contentsOfFile: directory.file("csv/" + files[0]), encoding: .utf8)
        #expect(csv.contains(",1SAG3101021605,1-0:1.8.2*255,ACTIVE_ENERGY_P_T2,15758,Wh\n"))
        #expect(csv.contains(",1SAG3101021605,1-0:32.7.0*255,VOLTAGE_L1,234.7,V\n"))
    }

    @Test func csvFilesRotateAtUTCMidnight() throws {
        let directory = try TestFolder()
        // Two captures of different days under one source id: one file per day.
        let text = try [LGE450Capture.name, "lge450-gbt-alt-config", LGE450Capture.name].map {
            try String(contentsOf: testdata.appendingPathComponent($0 + ".hex"), encoding: .utf8)
        }.joined(separator: "\n")
        let capture = try directory.write("days.hex", text)
        _ = try Self.replay(capture, in: directory, extra: "id = m1")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.file("csv")).sorted()
        #expect(files == ["m1_2022-11-22.csv", "m1_2026-05-04.csv"])
        LGE450Capture.expectCSV(directory.file("csv/m1_2026-05-04.csv"), readings: 2, source: "m1")
        let other = try String(contentsOfFile: directory.file("csv/m1_2022-11-22.csv"), encoding: .utf8)
        #expect(other.hasPrefix("timestamp,source,obis,type,value,unit\n2022-11-22T15:37:30Z,m1,"))
        #expect(other.split(separator: "\n").dropFirst().allSatisfy { $0.hasPrefix("2022-11-22T15:37:30Z,m1,") })
    }

    @Test func appendsToExistingFilesWithoutSecondHeader() throws {
        let directory = try TestFolder()
        for _ in 0..<2 { try Self.replay(LGE450Capture.path, in: directory) }
        #expect(try jsonLines(directory.file("readings.jsonl")).count == 2)
        LGE450Capture.expectCSV(directory.file("csv/" + LGE450Capture.csvFile), readings: 2)
    }

    @Test func damagedFramesAreDroppedAndDecodingGoesOn() throws {
        let directory = try TestFolder()
        let good = try String(contentsOf: testdata.appendingPathComponent(LGE450Capture.name + ".hex"), encoding: .utf8)
        let bad = try String(contentsOf: testdata.appendingPathComponent("invalid-lge450-duplicated-segment.hex"), encoding: .utf8)
        let capture = try directory.write("mixed.hex", good + "\nDE AD BE EF 00 11\n" + bad + "\n" + good)
        try Self.replay(capture, in: directory)
        let readings = try jsonLines(directory.file("readings.jsonl")).filter { $0["source"] as? String == LGE450Capture.source }
        #expect(readings.count == 2)
        for reading in readings { LGE450Capture.expectJSON(reading) }
    }

    /// The capture with its clock moved on by `seconds` (the clock value sits in the fourth frame; its FCS is
    /// recomputed).
    static func capture(shiftedBy seconds: UInt8) throws -> [UInt8] {
        var frames = try captureFrames(LGE450Capture.name)
        var last = frames[3]
        let clock: [UInt8] = [0x07, 0xEA, 0x05, 0x04, 0x01, 0x0B, 0x27, 0x15]
        let at = try #require((0...(last.count - clock.count)).first { Array(last[$0..<($0 + clock.count)]) == clock })
        last[at + 7] += seconds
        let fcs = crcX25(last[1..<(last.count - 3)])
        last[last.count - 3] = UInt8(fcs & 0xFF)
        last[last.count - 2] = UInt8(fcs >> 8)
        frames[3] = last
        return frames.flatMap { $0 }
    }

    /// CRC-16/X.25, the HDLC frame check sequence ("123456789" gives 0x906E).
    static func crcX25<C: Collection>(_ bytes: C) -> UInt16 where C.Element == UInt8 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0x8408 : crc >> 1 }
        }
        return ~crc
    }

    @Test func crcOfTheTestHelper() throws {
        #expect(Self.crcX25(Array("123456789".utf8)) == 0x906E)
        #expect(try Self.capture(shiftedBy: 0) == captureFrames(LGE450Capture.name).flatMap { $0 })
    }

    /// `replay_speed = realtime` passes readings on with the gaps between their meter timestamps; `max` does not wait.
    @Test(arguments: [ReaderConfiguration.ReplaySpeed.realtime, .max])
    func replaySpeed(_ speed: ReaderConfiguration.ReplaySpeed) throws {
        let directory = try TestFolder()
        let bytes = try Self.capture(shiftedBy: 0) + Self.capture(shiftedBy: 1) + Self.capture(shiftedBy: 2)
        let capture = directory.file("three-seconds.bin")
        try Data(bytes).write(to: URL(fileURLWithPath: capture))
        let started = Date()
        try Self.replay(capture, in: directory, extra: "replay_speed = \(speed.rawValue)")
        let elapsed = Date().timeIntervalSince(started)
        let readings = try jsonLines(directory.file("readings.jsonl"))
        #expect(readings.map { $0["timestamp"] as? String } == ["2026-05-04T09:39:21Z", "2026-05-04T09:39:22Z", "2026-05-04T09:39:23Z"])
        switch speed {
        case .realtime: #expect(elapsed >= 1.9 && elapsed < 6, "\(elapsed)")
        case .max: #expect(elapsed < 1.9, "\(elapsed)")
        }
    }

    /// A logger sink whose standard output was closed (SIGPIPE) fails alone; the process and the other sinks go on.
    @Test func closedStandardOutputIsASinkErrorOnly() throws {
        let directory = try TestFolder()
        let ini = try directory.write("c.ini", Self.config(file: LGE450Capture.path, directory: directory))
        let out = try ChildProcess.pipe()
        close(out.read)
        defer { close(out.write) }
        let process = try RunningProcess(collectorBinary, ["-c", ini], environment: collectorEnvironment(),
                                         standardOutput: .descriptor(out.write))
        let status = process.waitForExit(timeout: 20)
        let log = process.stderr.contents
        #expect(!process.endedBySignal)
        #expect(status == 0)
        #expect(log.contains("cannot write standard output: Broken pipe"), "\(log)")
        #expect(try jsonLines(directory.file("readings.jsonl")).count == 1)
        LGE450Capture.expectCSV(directory.file("csv/" + LGE450Capture.csvFile), readings: 1)
    }

    /// A sink whose writes fail (a full disk) logs the error and counts; the other sinks carry on.
    @Test func failingSinkDoesNotStopTheOthers() throws {
        let directory = try TestFolder()
        let result = try Self.replay(LGE450Capture.path, in: directory, sinks: Ini.sink(0, "jsonl", ["file": "/dev/full"])
                                     + Ini.sink(1, "csv", ["directory": directory.file("csv")]))
        #expect(result.stderr.contains("cannot write 1 readings: cannot write /dev/full: No space left on device"))
        #expect(result.stderr.contains("stopped: written 0, failed 1, dropped (queue full) 0, queued 0 sink=sink0/jsonl"))
        LGE450Capture.expectCSV(directory.file("csv/" + LGE450Capture.csvFile), readings: 1)
    }
}

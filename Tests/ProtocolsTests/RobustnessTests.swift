import Protocols
import Testing
import TestThreads

/// The decoder eats bytes in any chunking, survives garbage and bit flips, and never emits a damaged message.
@Suite("Decoding robustness", .onOwnThread)
struct RobustnessTests {
    struct Case: CustomStringConvertible, Sendable {
        let folder: String, name: String, meter: MeterType, key: [UInt8]?
        var description: String { "\(folder)/\(name)" }
    }

    static let validCases: [Case] = DLMSConformanceTests.linkCases.compactMap { entry in
        guard !entry.name.hasPrefix("invalid-"), let expected = try? TestData.expectation(entry.folder, entry.name),
              let meter = TestData.meterType(from: expected) else { return nil }
        return Case(folder: entry.folder, name: entry.name, meter: meter,
                    key: (expected["key"] as? String).flatMap { Hex.key($0) })
    }

    @Test("byte by byte, random chunks and all at once give the same readings", arguments: validCases)
    func chunkingInvariance(_ testCase: Case) throws {
        let bytes = try TestData.bytes(testCase.folder, testCase.name)
        let whole = try DecodeRun(testCase.meter, key: testCase.key, chunks: Chunking.whole(bytes))
        #expect(!whole.readings.isEmpty)
        let dripped = try DecodeRun(testCase.meter, key: testCase.key, chunks: Chunking.byteByByte(bytes))
        #expect(dripped.readings == whole.readings)
        for seed in 1...5 as ClosedRange<UInt64> {
            let random = try DecodeRun(testCase.meter, key: testCase.key, chunks: Chunking.random(bytes, seed: seed))
            #expect(random.readings == whole.readings, "seed \(seed)")
        }
    }

    @Test("split in two reads at every byte position: the same readings each time", arguments: validCases)
    func splitAtEveryPosition(_ testCase: Case) throws {
        let bytes = try TestData.bytes(testCase.folder, testCase.name)
        let whole = try DecodeRun(testCase.meter, key: testCase.key, chunks: [bytes])
        for position in 1..<bytes.count {
            let split = try DecodeRun(testCase.meter, key: testCase.key,
                                      chunks: [Array(bytes[..<position]), Array(bytes[position...])])
            #expect(split.readings == whole.readings, "split at \(position)")
        }
    }

    @Test("garbage before, between and after repeated captures: every message still comes out", arguments: validCases)
    func garbageBetweenMessages(_ testCase: Case) throws {
        let frames = try TestData.frames(testCase.folder, testCase.name)
        let reference = try DecodeRun(testCase.meter, key: testCase.key, chunks: [frames.flatMap { $0 }])
        var generator = SeededGenerator(seed: 42)
        var stream: [UInt8] = []
        let repetitions = 3
        for _ in 0..<repetitions {
            stream += Self.noise(count: Int.random(in: 0...80, using: &generator), using: &generator)
            for frame in frames {
                stream += frame
                // Idle flags and line noise between frames; the noise never looks like a frame start.
                stream += [0x7E, 0x7E].prefix(Int.random(in: 0...2, using: &generator))
            }
        }
        stream += Self.noise(count: 50, using: &generator)
        let run = try DecodeRun(testCase.meter, key: testCase.key, chunks: Chunking.random(stream, seed: 7))
        #expect(run.readings.count == reference.readings.count * repetitions)
        for reading in run.readings {
            #expect(reference.readings.contains(reading))
        }
    }

    @Test("a bit flip anywhere never produces a wrong reading", arguments: validCases)
    func bitFlips(_ testCase: Case) throws {
        let bytes = try TestData.bytes(testCase.folder, testCase.name)
        let reference = try DecodeRun(testCase.meter, key: testCase.key, chunks: [bytes])
        // Flip one bit at a spread of positions (every byte for short captures), then append the intact capture.
        let step = max(1, bytes.count / 97)
        for position in stride(from: 0, to: bytes.count, by: step) {
            var damaged = bytes
            damaged[position] ^= UInt8(1 << (position % 8))
            let run = try DecodeRun(testCase.meter, key: testCase.key, chunks: [damaged + bytes])
            for reading in run.readings {
                #expect(reference.readings.contains(reading), "flip at \(position) gave a different reading")
            }
            // The intact copy that follows is never lost (the damaged one may survive only if the flip hit a byte
            // outside every checksum, e.g. a flag of a segment already complete).
            #expect(run.readings.count >= reference.readings.count, "flip at \(position) lost the next good message: \(run.drops)")
        }
    }

    @Test("10 MB of random garbage: no reading, bounded buffer, and the next capture still decodes")
    func garbageBurst() throws {
        var generator = SeededGenerator(seed: 99)
        var decoder = try DecodeRun.decoder(.lge450)
        var readings: [Reading] = []
        let collect: (DecoderEvent) -> Void = { if case .reading(let r) = $0 { readings.append(r) } }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        for _ in 0..<160 {
            for i in chunk.indices { chunk[i] = UInt8.random(in: 0...255, using: &generator) }
            decoder.feed(chunk, emit: collect)
        }
        #expect(readings.isEmpty, "random bytes must never pass HCS, FCS and the A-XDR checks together")
        decoder.feed(try TestData.bytes("hdlc", "lge450-gbt-vse2026"), emit: collect)
        #expect(readings.count == 1)
        #expect(readings.first?.source == "LGZ1030653520967")
        #expect(decoder.statistics.bytes > 10_000_000)
    }

    /// Random bytes that contain no 0x7E and no 0x68 (so they cannot start an HDLC or M-Bus frame).
    static func noise(count: Int, using generator: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in
            var byte = UInt8.random(in: 0...255, using: &generator)
            while byte == 0x7E || byte == 0x68 { byte = UInt8.random(in: 0...255, using: &generator) }
            return byte
        }
    }
}

import Foundation
@testable import MeterDecoding
@testable import Protocols
import Testing
import TestThreads

/// The P1 framer eats bytes in any chunking, skips noise, drops damaged or cut telegrams and stays bounded.
@Suite("DSMR P1 framing robustness", .onOwnThread)
struct DSMRRobustnessTests {
    static let validCases = DSMRConformanceTests.validCases

    @Test("OBIS codes come from the parser's caches as written: lines reordered, codes at the buffer's very end")
    func cachedCodesFollowTheText() {
        let lines = ["1-0:1.8.1(000001.000*kWh)", "1-0:2.8.1(000002.000*kWh)", "0-0:96.1.1(4B384547)",
                     "1-0:32.7.0(230.1*V)", "0-1:24.2.3(230101000000W)(00001.000*m3)", "1-0:1.7.0(01.193*kW)"]
        var parser = P1TelegramParser()
        // The same codes in another order each time: the line slots must not answer with last telegram's code.
        for order in [lines, lines.reversed(), Array(lines.dropFirst(2) + lines.prefix(2)), lines] {
            let text = "/FLU5\\253769484_A\r\n\r\n" + order.joined(separator: "\r\n") + "\r\n!"
            let expected = order.map { line in
                Array(line.utf8).withUnsafeBytes { P1Field.obis($0, 0..<$0.firstIndex(of: UInt8(ascii: "("))!) }
            }
            Array(text.utf8).withUnsafeBytes { parser.parse($0) }
            #expect(parser.objects.map(\.obis) == expected.compactMap { $0 })
        }
        // A code whose 16 bytes would run past the buffer (the key is then copied, not loaded as words).
        for text in ["1-0:1.8.1(1)", "0-1:24.2.3(1)", "1.8.0(1)"] {
            Array(text.utf8).withUnsafeBytes { parser.parse($0) }
            let expected = Array(text.utf8).withUnsafeBytes { P1Field.obis($0, 0..<$0.firstIndex(of: UInt8(ascii: "("))!) }
            #expect(parser.objects.map(\.obis) == [expected].compactMap { $0 }, "\(text)")
            #expect(parser.objects.count == 1, "\(text)")
        }
    }

    @Test("byte by byte, random chunks and all at once give the same readings", arguments: validCases)
    func chunkingInvariance(_ name: String) throws {
        let bytes = try DSMRFixtures.telegram(name)
        let whole = try TextDecodeRun(.dsmr, chunks: Chunking.whole(bytes))
        #expect(whole.readings.count == 1)
        let dripped = try TextDecodeRun(.dsmr, chunks: Chunking.byteByByte(bytes))
        #expect(dripped.readings == whole.readings)
        for seed in 1...5 as ClosedRange<UInt64> {
            let random = try TextDecodeRun(.dsmr, chunks: Chunking.random(bytes, seed: seed))
            #expect(random.readings == whole.readings, "seed \(seed)")
        }
    }

    @Test("split in two reads at every byte position: the same reading each time", arguments: validCases)
    func splitAtEveryPosition(_ name: String) throws {
        let bytes = try DSMRFixtures.telegram(name)
        let whole = try TextDecodeRun(.dsmr, chunks: Chunking.whole(bytes))
        for position in 1..<bytes.count {
            let split = try TextDecodeRun(.dsmr, chunks: [Array(bytes[..<position]), Array(bytes[position...])])
            #expect(split.readings == whole.readings, "split at \(position)")
        }
    }

    @Test("noise before, between and after repeated telegrams: every telegram still comes out", arguments: validCases)
    func noiseBetweenTelegrams(_ name: String) throws {
        let bytes = try DSMRFixtures.telegram(name)
        let reference = try TextDecodeRun(.dsmr, chunks: [bytes]).readings
        var generator = SeededGenerator(seed: 7)
        var stream: [UInt8] = []
        for _ in 0..<3 {
            stream += DSMRFixtures.noise(count: Int.random(in: 0...80, using: &generator), using: &generator)
            stream += bytes
            stream += [13, 10]
        }
        stream += DSMRFixtures.noise(count: 40, using: &generator)
        for chunks in [Chunking.whole(stream), Chunking.random(stream, seed: 3), Chunking.byteByByte(stream)] {
            let run = try TextDecodeRun(.dsmr, chunks: chunks)
            #expect(run.readings == reference + reference + reference)
        }
    }

    @Test("a telegram cut at every byte position yields nothing; the complete one after it still decodes")
    func cutAtEveryPosition() throws {
        let bytes = try DSMRFixtures.telegram("fluvius-v171")
        let reference = try TextDecodeRun(.fluvius, chunks: [bytes]).readings
        let checksumEnd = bytes.count - 2   // "!3AD7" then CR LF
        for cut in 1..<checksumEnd {
            let alone = try TextDecodeRun(.fluvius, chunks: [Array(bytes[..<cut])])
            #expect(alone.readings.isEmpty, "cut at \(cut)")
            let followed = try TextDecodeRun(.fluvius, chunks: [Array(bytes[..<cut]) + bytes])
            #expect(followed.readings == reference, "cut at \(cut)")
        }
    }

    @Test("a flipped bit anywhere in a checksummed telegram: dropped, never a wrong reading")
    func bitFlips() throws {
        let bytes = try DSMRFixtures.telegram("fluvius-v171")
        let reference = try TextDecodeRun(.fluvius, chunks: [bytes]).readings
        for index in 0..<(bytes.count - 2) {
            for bit in 0..<8 as Range<UInt8> {
                var damaged = bytes
                damaged[index] ^= 1 << bit
                // A good telegram first, as on a live port: from then on a CRC is required.
                let run = try TextDecodeRun(.fluvius, chunks: [bytes, damaged])
                // Upper/lower case of a CRC hex letter is the same checksum.
                let sameCRC = index > bytes.count - 6 && bit == 5 && (bytes[index] | 0x20) >= UInt8(ascii: "a")
                #expect(run.readings == (sameCRC ? reference + reference : reference), "byte \(index) bit \(bit)")
                #expect(run.drops.count <= 2)
            }
        }
        var damaged = bytes
        damaged[200] ^= 0x01
        let run = try TextDecodeRun(.fluvius, chunks: [damaged])
        #expect(run.drops.map(\.reason) == [.telegramChecksum])
        #expect(run.statistics.dropped[.telegramChecksum] == 1)
    }

    @Test("after telegrams with a CRC, one without is not accepted")
    func checksumBecomesMandatory() throws {
        let bytes = try DSMRFixtures.telegram("fluvius-v171")
        let withoutCRC = Array(bytes[..<(bytes.count - 6)]) + Array("\r\n".utf8)
        let alone = try TextDecodeRun(.fluvius, chunks: [withoutCRC])
        #expect(alone.readings.count == 1)
        let after = try TextDecodeRun(.fluvius, chunks: [bytes, withoutCRC])
        #expect(after.readings.count == 1)
        #expect(after.drops.map(\.reason) == [.telegramChecksum])
    }

    @Test("a telegram that never ends is dropped at the limit; the framer then finds the next one")
    func boundedBuffer() throws {
        let bytes = try DSMRFixtures.telegram("fluvius-v171")
        let line = Array("1-0:1.8.1(000000.034*kWh)\r\n".utf8)
        var stream = Array("/FLU5\\253769484_A\r\n\r\n".utf8)
        for _ in 0..<200 { stream += line }
        stream += bytes
        let run = try TextDecodeRun(.fluvius, maximumTelegramLength: 2048, chunks: Chunking.random(stream, seed: 9))
        #expect(run.readings.count == 1)
        #expect(run.drops.map(\.reason) == [.telegramTooLong])
        #expect(run.drops.first?.offset == 0)
        // Every byte of the dropped telegram is counted as skipped, besides what the good telegram alone skips.
        let alone = try TextDecodeRun(.fluvius, chunks: [bytes])
        #expect(run.statistics.skippedBytes == stream.count - bytes.count + alone.statistics.skippedBytes)
        #expect(run.statistics.bytes == stream.count)
    }

    @Test("a telegram that lost its end is dropped when the next one starts")
    func missingEnd() throws {
        let bytes = try DSMRFixtures.telegram("fluvius-v171")
        let cut = Array(bytes[..<700])
        let run = try TextDecodeRun(.fluvius, chunks: [cut + bytes + cut])
        #expect(run.readings.count == 1)
        #expect(run.drops.map(\.reason) == [.interruptedTelegram, .truncatedFrame])
        #expect(run.drops.map(\.offset) == [0, 700 + bytes.count])
    }

    /// `/` .. `!` of `lines` with its CRC and line end.
    static func telegram(_ lines: [String]) -> [UInt8] {
        var bytes = Array((lines + ["!"]).joined(separator: "\r\n").utf8)
        let crc = CRC16.arc.checksum(bytes)
        bytes += Array(Hex.string([UInt8(crc >> 8), UInt8(crc & 0xFF)]).uppercased().utf8) + [13, 10]
        return bytes
    }

    @Test("the identification line is kept as the meter sent it (printable, at most 64 bytes), for the device model")
    func identification() throws {
        let configuration = DecoderConfiguration(meter: .fluvius, key: nil, authenticationKey: nil,
                                                 zone: ZoneOffsetResolver(identifier: "UTC")!, fallbackSource: "p")
        var decoder = P1TelegramDecoder(configuration: configuration)
        #expect(decoder.identification == nil)
        decoder.feed(try DSMRFixtures.telegram("fluvius-v171")) { _ in }
        #expect(decoder.identification == "FLU5\\253769484_A")
        decoder.feed(Self.telegram(["/" + String(repeating: "K", count: 100), "", "1-0:1.8.1(000001.000*kWh)"])) { _ in }
        #expect(decoder.identification == String(repeating: "K", count: 64))
        decoder.feed(Self.telegram(["/ISK5\u{1B}[31m", "", "1-0:1.8.1(000001.000*kWh)"])) { _ in }
        #expect(decoder.identification == nil, "a control character: no text at all")
        #expect(decoder.statistics.readings == 3)
    }

    @Test("a '!' inside a line does not end the telegram, wherever the reads split it")
    func bangInsideALine() throws {
        let bytes = Self.telegram(["/TST5\\test", "", "1-0:1.8.1(000001.000*kWh)", "0-0:96.13.0(Hi!)",
                                   "1-0:1.8.2(000002.000*kWh)"])
        let whole = try TextDecodeRun(.dsmr, chunks: [bytes])
        #expect(whole.drops.isEmpty)
        #expect(whole.readings.first?.value(obis: "0-0:96.13.0")?.value == .text("Hi!"))
        #expect(whole.readings.first?.value(obis: "1-0:1.8.2")?.value == .number(2_000))
        #expect(try TextDecodeRun(.dsmr, chunks: Chunking.byteByByte(bytes)).readings == whole.readings)
        for position in 1..<bytes.count {
            let split = try TextDecodeRun(.dsmr, chunks: [Array(bytes[..<position]), Array(bytes[position...])])
            #expect(split.readings == whole.readings, "split at \(position)")
        }
    }

    @Test("many groups that give no value: the reading's array keeps only the values")
    func emptyGroupsLeaveNoSpareCapacity() throws {
        let bytes = Self.telegram(["/TST5\\test", ""] + Array(repeating: "0-0:96.13.0()", count: 300)
                                  + ["1-0:1.8.1(000001.000*kWh)"])
        let run = try TextDecodeRun(.dsmr, chunks: [bytes])
        #expect(run.readings.first?.values.count == 1)
        #expect((run.readings.first?.values.capacity ?? .max) < 100)
    }

    @Test("CRC-16/ARC check value") func crcCheckValue() {
        #expect(CRC16.arc.checksum(Array("123456789".utf8)) == 0xBB3D)
    }
}

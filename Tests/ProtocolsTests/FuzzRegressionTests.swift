import Foundation
@testable import Configuration
@testable import MeterDecoding
@testable import Protocols
import Testing
import TestThreads
@testable import Delivery

/// Inputs the fuzzers (`scripts/fuzz`) found crashing or leaking, replayed through the production code. The files are
/// in Fixtures/fuzz (README there: layout of each).
@Suite("Fuzzer findings", .onOwnThread)
struct FuzzRegressionTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/fuzz")

    static func fixture(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: fixtures.appendingPathComponent(name)))
    }

    /// Decodes `stream` in two reads cut at `cut` (0...255 of its length), as the fuzz targets do.
    static func decode(_ meter: MeterType, _ stream: ArraySlice<UInt8>, cut: UInt8) throws -> (events: Int, statistics: DecoderStatistics) {
        var decoder = try ReadingDecoderFactory.make(DecoderConfiguration(meter: meter, fallbackSource: "fuzz"))
        let split = stream.startIndex + stream.count * Int(cut) / 255
        var events = 0
        decoder.feed(stream[..<split]) { _ in events += 1 }
        decoder.feed(stream[split...]) { _ in events += 1 }
        decoder.finish { _ in events += 1 }
        return (events, decoder.statistics)
    }

    @Test("a P1 line whose OBIS group has more digits than an Int holds is not a crash (was: arithmetic overflow)")
    func p1ObisDigitOverflow() throws {
        let input = try Self.fixture("p1-obis-digit-overflow.bin")
        let (events, statistics) = try Self.decode(.dsmr22, input[2...], cut: input[1])
        #expect(statistics.bytes == input.count - 2)
        #expect(statistics.readings + statistics.droppedTotal == events)
        let long = Array("1-0:99999999999999999999999.8.0".utf8)
        #expect(long.withUnsafeBytes { P1Field.obis($0, 0..<$0.count) } == nil)
        #expect(Array("1-0:1.8.0".utf8).withUnsafeBytes { P1Field.obis($0, 0..<$0.count) } == ObisCode("1-0:1.8.0"))
    }

    @Test("an IEC 62056-21 readout line with a huge OBIS group is not a crash (was: arithmetic overflow)")
    func iecObisDigitOverflow() throws {
        let input = try Self.fixture("iec62056-21-obis-digit-overflow.bin")
        let (events, statistics) = try Self.decode(.siemens_td3511, input[1...], cut: input[0])
        #expect(statistics.bytes == input.count - 1)
        #expect(statistics.readings + statistics.droppedTotal == events)
    }

    @Test("a push-object list whose attribute is a float beyond Int is not a crash (was: Double to Int overflow)")
    func pushListAttributeOutOfRange() throws {
        let notification = try DataNotification(decoding: try Self.fixture("axdr-push-list-attribute-out-of-range.bin")[...])
        let builder = ReadingBuilder(meter: .kaifa, zone: .systemZone, fallbackSource: "fuzz")
        _ = builder.reading(from: notification)

        // Element 0 of a push list describes the list itself; the second object is a register's value.
        let list: (DLMSValue) -> DLMSValue = { attribute in
            .structure([
                .array([
                    .structure([.longUnsigned(7), .octetString([0, 0, 25, 9, 0, 255]), .integer(2), .long(0)]),
                    .structure([.longUnsigned(3), .octetString([1, 0, 1, 8, 0, 255]), attribute, .long(0)]),
                ]),
                .doubleLongUnsigned(42),
            ])
        }
        // The object list as the reading builder sees it: (OBIS, value) of each entry.
        let entries: (DLMSValue) -> [(ObisCode, DLMSValue)] = { body in
            let tape = DecodedNotification(DataNotification(longInvokeID: 0, dateTime: nil, body: body)).body
            var objects = CosemObjectList()
            objects.collect(tape, meter: .lge450)
            return objects.entries.map { ($0.obis, tape.value($0.value)) }
        }
        let valid = entries(list(.integer(2)))
        #expect(valid.map(\.0) == [ObisCode("1-0:1.8.0*255")])
        #expect(valid.map(\.1) == [.doubleLongUnsigned(42)])
        let outOfRange = entries(list(.float64(1e300)))
        #expect(!outOfRange.contains { $0.1 == .doubleLongUnsigned(42) })
    }

    @Test("a spool whose head lies beyond the end of its data file keeps what is appended after opening (was: lost)")
    func spoolHeadBeyondEnd() throws {
        let input = try Self.fixture("spool-head-beyond-end.bin")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-spool-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let head = Array(input[1...8])
        let crc = CRC32.checksum(head)
        try Data(head + (0..<4).map { UInt8(truncatingIfNeeded: crc >> (8 * $0)) })
            .write(to: directory.appendingPathComponent("spool.head"))
        try Data(input[9...]).write(to: directory.appendingPathComponent("spool.dat"))
        #expect(head.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } > UInt64(input.count - 9))

        do {
            let spool = try DiskSpool(directory: directory, maximumBytes: 4096)
            #expect(spool.isEmpty)
            try spool.append(Array("after reopening".utf8))
        }
        let reopened = try DiskSpool(directory: directory, maximumBytes: 4096)
        #expect(try DiskSpoolTests.drain(reopened) == ["after reopening"])
    }

    @Test("an empty configuration file loads as an empty document")
    func emptyConfiguration() throws {
        let document = try IniDocument.load(path: Self.fixtures.appendingPathComponent("config-empty-file.ini").path)
        #expect(document.sections.isEmpty)
        #expect(document.syntaxProblems.isEmpty)
    }
}

/// The config target's finding: `set` on a file saved with CRLF line ends.
@Suite("Fuzzer findings: configuration editing", .onOwnThread)
struct ConfigurationEditFuzzRegressionTests {
    @Test("set in a file with CRLF line ends changes the key in place and reads back (was: the editor saw one line)")
    func setWithCRLFLineEnds() throws {
        let text = "[reader0]\r\ntype = lge450\r\nport = /dev/ttyUSB0\r\n[sink0]\r\ntype = logger\r\nname = DataLogger\r\n"
            + "[logging]\r\ndefault = WARNING\r\n"
        var editor = IniTextEditor(text: text)
        editor.set(section: "sink0", key: "name", value: "# #8")
        let path = NSTemporaryDirectory() + "crlf-\(UUID().uuidString.prefix(8)).ini"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try editor.text.write(toFile: path, atomically: true, encoding: .utf8)
        let edited = try IniDocument.load(path: path)
        #expect(edited.syntaxProblems.isEmpty)
        #expect(edited.sections.map(\.name) == ["reader0", "sink0", "logging"])
        let sink = try #require(edited.section("sink0"))
        #expect(sink.entries.filter { $0.key == "name" }.count == 1)
        #expect(sink.value("name") == "# #8")
        #expect(edited.section("logging")?.value("default") == "WARNING")
        // Only the line of the key changed; the others keep their CR.
        #expect(editor.text.utf8.filter { $0 == 0x0D }.count == text.utf8.filter { $0 == 0x0D }.count - 1)
    }
}

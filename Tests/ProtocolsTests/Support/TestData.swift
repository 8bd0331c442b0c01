import Foundation
import Protocols
import TestSupport
import TestThreads

/// Access to the real meter captures in testdata (see its README for formats and sources).
enum TestData {
    static let root: URL = {
        // Tests/ProtocolsTests/Support/TestData.swift -> package root -> testdata
        let packageRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return packageRoot.appendingPathComponent("testdata")
    }()

    /// Case names (without extension) of a folder that have both a data file and a .json.
    static func cases(in folder: String, dataExtension: String = "hex") -> [String] {
        let directory = root.appendingPathComponent(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }
            .map { String($0.dropLast(5)) }
            .filter { names.contains("\($0).\(dataExtension)") }
            .sorted()
    }

    /// The frames of a `.hex` capture, one per line.
    static func frames(_ folder: String, _ name: String) throws -> [[UInt8]] {
        let text = try String(contentsOf: root.appendingPathComponent("\(folder)/\(name).hex"), encoding: .utf8)
        return try text.split(whereSeparator: \.isNewline)
            .filter { !$0.allSatisfy(\.isWhitespace) }
            .map { try Hex.bytes(fromLenient: $0) }
    }

    static func bytes(_ folder: String, _ name: String) throws -> [UInt8] {
        try frames(folder, name).flatMap { $0 }
    }

    static func expectation(_ folder: String, _ name: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("\(folder)/\(name).json"))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    static func meterType(from expectation: [String: Any]) -> MeterType? {
        let text = (expectation["meter_type"] as? String) ?? ""
        if text.hasPrefix("evn_netznoe") { return .netznoe }
        return MeterType(rawValue: text)
    }
}

/// Runs a decoder over chunks and collects what it emits.
struct DecodeRun {
    var readings: [Reading] = []
    var drops: [Drop] = []
    var statistics = DecoderStatistics()

    static let fixedNow: Int64 = 1_700_000_000

    static func decoder(_ meter: MeterType, key: [UInt8]? = nil, authenticationKey: [UInt8]? = nil,
                        zone: String = "Europe/Zurich") throws -> DLMSPushDecoder {
        var decoder = try DLMSPushDecoder(configuration: DecoderConfiguration(
            meter: meter, key: key, authenticationKey: authenticationKey,
            zone: ZoneOffsetResolver(identifier: zone)!, fallbackSource: "test-port"))
        decoder.setClock { DecodeRun.fixedNow }
        return decoder
    }

    init(_ meter: MeterType, key: [UInt8]? = nil, authenticationKey: [UInt8]? = nil, chunks: [[UInt8]]) throws {
        var decoder = try Self.decoder(meter, key: key, authenticationKey: authenticationKey)
        let collect: (DecoderEvent) -> Void = { event in
            switch event {
            case .reading(let reading): self.readings.append(reading)
            case .dropped(let drop): self.drops.append(drop)
            }
        }
        for chunk in chunks { decoder.feed(chunk, emit: collect) }
        decoder.finish(emit: collect)
        statistics = decoder.statistics
    }
}

/// Ways of cutting a byte stream into chunks, as a serial port delivers it.
enum Chunking {
    static func whole(_ bytes: [UInt8]) -> [[UInt8]] { [bytes] }
    static func byteByByte(_ bytes: [UInt8]) -> [[UInt8]] { bytes.map { [$0] } }
    static func random(_ bytes: [UInt8], seed: UInt64) -> [[UInt8]] {
        var generator = SeededGenerator(seed: seed)
        var chunks: [[UInt8]] = []
        var index = 0
        while index < bytes.count {
            let size = Int.random(in: 1...64, using: &generator)
            chunks.append(Array(bytes[index..<min(index + size, bytes.count)]))
            index += size
        }
        return chunks
    }
}

/// The shared deterministic generator, by its short name for the decoder tests.
typealias SeededGenerator = TestSupport.SeededGenerator

import Testing

/// The captures are part of the checkout: a missing folder must fail here rather than leave the parameterised
/// conformance tests with no cases to run.
@Suite(.onOwnThread) struct TestDataPresence {
    @Test("every capture folder of testdata/ is in the checkout, each data file with its expected output",
          arguments: [("hdlc", "hex", 37), ("mbus", "hex", 3), ("dsmr", "txt", 42), ("encrypted", "hex", 1), ("apdu", "hex", 1),
                      ("iec62056-21", "txt", 2)])
    func present(folder: String, dataExtension: String, count: Int) {
        #expect(TestData.cases(in: folder, dataExtension: dataExtension).count == count,
                "\(TestData.root.path)/\(folder)")
    }
}

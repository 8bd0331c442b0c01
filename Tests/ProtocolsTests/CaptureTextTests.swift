import Foundation
import Protocols
import Testing
import TestThreads
import SystemSupport

/// Captures converted as they arrive: the same bytes whether fed at once, one byte at a time or in odd chunks, and
/// the same as `Hex.bytes(fromCapture:)` for the whole input.
@Suite(.onOwnThread) struct CaptureTextTests {
    static func convert(_ input: [UInt8], chunk: Int) -> (bytes: [UInt8], kind: CaptureText.Kind, skipped: Int) {
        var text = CaptureText()
        var out: [UInt8] = []
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset + chunk)
            input[offset..<end].withUnsafeBytes { text.feed($0) { out += $0 } }
            offset = end
        }
        text.finish { out += $0 }
        return (out, text.kind, text.skippedCharacters)
    }

    static let inputs: [[UInt8]] = [
        Array("7E A0 2A\n ce ff 03\r\n0x13, 0x04 5\n6".utf8),
        [0x7E, 0xA0, 0x2A, 0xCE, 0xFF, 0x03, 0x13],
        Array("/ISK5\\2M550T-1012\r\n\r\n1-0:1.8.1(000404.000*kWh)\r\n!1E1D\r\n".utf8),
        Array(String(repeating: "0A1B 2c3D\n", count: 1_000).utf8),
        // The fast path (two digits and a blank) broken up at every position: "0x", commas, a digit alone.
        Array((0..<3_000).map { ["7E ", "a0\n", "0x2A ", "CE,", "F F ", "03\r\n", "1", "3 "][$0 % 8] }.joined().utf8),
        [],
    ]

    @Test(arguments: [1, 2, 3, 7, 64, 4_095, 4_096, 4_097, 1 << 20])
    func anyChunkingGivesTheWholeInputsBytes(chunk: Int) {
        for input in Self.inputs {
            let converted = Self.convert(input, chunk: chunk)
            #expect(converted.bytes == Hex.bytes(fromCapture: input), "\(input.prefix(20))")
            #expect(converted.skipped == 0)
        }
    }

    @Test func kindIsDecidedOnTheFirstBytes() {
        #expect(Self.convert(Array("7E A0".utf8), chunk: 1).kind == .hex)
        #expect(Self.convert([0x7E, 0xA0], chunk: 1).kind == .raw)
        // A stray character far into a hex capture is skipped and counted, the rest still converted.
        let long = Array((String(repeating: "AB ", count: 2_000) + "zz CD").utf8)
        let converted = Self.convert(long, chunk: 100)
        #expect(converted.kind == .hex)
        #expect(converted.skipped == 2)
        #expect(converted.bytes == [UInt8](repeating: 0xAB, count: 2_000) + [0xCD])
    }
}

/// A capture read and converted on a thread of its own gives what converting it in place gives.
@Suite(.onOwnThread) struct CaptureReadAheadTests {
    static func file(_ bytes: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("read-ahead-\(UUID().uuidString)").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func readsTheWholeFileInOrderThroughTheSlots() throws {
        // Many chunks, so that every slot is filled and reused; a stray character in the middle.
        let lines = String(repeating: "01 23 45 67 89 AB CD EF\n", count: 40_000)
        let hex = Array((lines + "zz 7E\n").utf8)
        let path = try Self.file(hex)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ahead = CaptureReadAhead(try CaptureFile(path: path))
        var out: [UInt8] = []
        while ahead.next({ out += $0 }) {}
        #expect(out.count == 320_001 && out == Hex.bytes(fromCapture: Array((lines + "7E\n").utf8)))
        #expect(ahead.bytesRead == hex.count && ahead.size == hex.count)
        #expect(ahead.skippedCharacters == 2 && ahead.readError == nil)
        ahead.close()
        ahead.close()
    }

    @Test func closeStopsTheReadingThread() throws {
        let path = try Self.file([UInt8](repeating: 0x7E, count: 4 << 20))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ahead = CaptureReadAhead(try CaptureFile(path: path))
        var seen = 0
        #expect(ahead.next { seen += $0.count })
        ahead.close()
        #expect(!ahead.next { _ in Issue.record("a chunk after close") })
        #expect(seen > 0 && seen < 4 << 20)
    }
}

/// Numbers, times and OBIS codes as bytes match what the String forms print.
@Suite(.onOwnThread) struct TextBytesTests {
    static func text(_ body: (inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = []
        body(&out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func numbersAsTheStandardLibraryPrintsThem() {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0.09, 0.08, -5.2, 234.7, 15.758, 0.001, 0.0015, 1234.5678, 0.1 + 0.2, 1e-7, 3.14159e20,
                                -0.0, 1e15 + 0.5, 123_456_789.123, 9_007_199_254_740.5]
        for _ in 0..<20_000 {
            let scale = [1.0, 10, 100, 1_000, 10_000, 1e6, 1e9][Int.random(in: 0..<7, using: &generator)]
            values.append(Double(Int.random(in: -10_000_000...10_000_000, using: &generator)) / scale)
            values.append(Double.random(in: -1e6...1e6, using: &generator))
        }
        for value in values {
            let expected = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)"
            #expect(Self.text { TextBytes.append(value, to: &$0) } == expected, "\(value)")
        }
        #expect(Self.text { TextBytes.append(Double.nan, to: &$0) } == "null")
        #expect(Self.text { TextBytes.append(Int64.min, to: &$0) } == "\(Int64.min)")
    }

    @Test func timesAndObisCodes() {
        for seconds: Int64 in [0, 951_782_400, 1_625_576_298, 4_102_444_799, -1, 253_402_300_799] {
            #expect(Self.text { TextBytes.appendISO8601(seconds, to: &$0) } == CivilTime.iso8601(seconds))
        }
        let obis: ObisCode = "1-0:1.7.0*255"
        #expect(Self.text { TextBytes.append(obis, to: &$0) } == obis.description)
    }
}

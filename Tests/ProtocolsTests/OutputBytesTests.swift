import Protocols
import Testing
import TestThreads

/// The output path of `decode` and the file sinks: readings written into a reused `OutputBytes` give exactly the JSON
/// of `ReadingJSON.encode`, whatever the meter's texts hold and however often the buffer grows.
@Suite(.onOwnThread) struct OutputBytesTests {
    static let hostileTexts = [
        "", "W", "plain 1935912", "\"quoted\" \\ back\\slash", "line\nbreak\rreturn\ttab", "\u{0}\u{1}\u{1F}\u{7F}",
        "é ü 電力 🙂", String(repeating: "\u{1}\"", count: 300), String(repeating: "x", count: 5_000),
    ]

    static func reading(_ index: Int) -> Reading {
        let text = hostileTexts[index % hostileTexts.count]
        let unit = hostileTexts[(index + 3) % hostileTexts.count]
        let values = [
            DataPoint(obis: ObisCode(1, 0, 1, 7, 0), type: .ACTIVE_POWER_P, value: .number(Double(index) * 0.001), unit: "W"),
            DataPoint(obis: ObisCode(255, 255, 255, 255, 255, 255), type: nil, value: .text(text), unit: nil),
            DataPoint(obis: ObisCode(0, 1, 24, 2, 1), type: .ACTIVE_ENERGY_P, value: .number(-1.5e300), unit: unit,
                      timestamp: Int64(index) * 86_399 + 2_000_000_000_000),  // beyond year 9999
            DataPoint(obis: ObisCode(1, 0, 32, 7, 0), type: .VOLTAGE_L1, value: .number(.nan), unit: "V"),
            DataPoint(obis: ObisCode(1, 0, 31, 7, 0), type: .CURRENT_L1, value: .number(-Double(Int64.max)), unit: "A"),
        ]
        return Reading(source: hostileTexts[(index + 5) % hostileTexts.count] + "\(index)",
                       timestamp: 1_625_576_298 + Int64(index) * 7_919, values: values)
    }

    @Test func linesAreTheEncodedJSON() {
        let out = OutputBytes(capacity: 64)  // grows many times
        var expected: [UInt8] = []
        for index in 0..<200 {
            let reading = Self.reading(index)
            ReadingJSON.appendLine(reading, to: out)
            expected += Array(ReadingJSON.encode(reading).utf8) + [0x0A]
            var array: [UInt8] = [0x41]
            ReadingJSON.append(reading, to: &array)
            #expect(array == [0x41] + Array(ReadingJSON.encode(reading).utf8))
        }
        #expect(out.count == expected.count)
        #expect(out.bytes == expected)
        out.removeAll(keepingCapacityUpTo: 1_024)
        #expect(out.isEmpty && out.capacity <= 1_024)
        ReadingJSON.appendLine(Self.reading(3), to: out)
        #expect(out.bytes == Array(ReadingJSON.encode(Self.reading(3)).utf8) + [0x0A])
    }

    @Test func escapesAsJSONRequires() {
        let reading = Reading(source: "a\"b\\c\nd\u{1}", timestamp: 0, values: [])
        #expect(ReadingJSON.encode(reading) == #"{"source":"a\"b\\c\nd\u0001","timestamp":"1970-01-01T00:00:00Z","values":[]}"#)
    }
}

import Foundation
import Protocols
import Testing
import TestThreads

/// Every HDLC, M-Bus and bare-APDU capture in testdata decodes to the expected ids, UTC timestamps,
/// scaled values and units; every invalid-* capture yields no reading.
@Suite("DLMS conformance over the real captures", .onOwnThread)
struct DLMSConformanceTests {
    static let linkCases: [(folder: String, name: String)] =
        TestData.cases(in: "hdlc").map { ("hdlc", $0) } + TestData.cases(in: "mbus").map { ("mbus", $0) }

    @Test("the corpus is where we expect it")
    func corpusPresent() {
        #expect(Self.linkCases.count >= 20)
    }

    @Test("each capture gives exactly the expected readings", arguments: linkCases.map { "\($0.folder)/\($0.name)" })
    func capture(_ path: String) throws {
        let (folder, name) = (String(path.split(separator: "/")[0]), String(path.split(separator: "/")[1]))
        let expected = try TestData.expectation(folder, name)
        let meter = try #require(TestData.meterType(from: expected), "meter type of \(name)")
        let key = (expected["key"] as? String).flatMap { Hex.key($0) }
        let run = try DecodeRun(meter, key: key, chunks: [TestData.bytes(folder, name)])
        let expectedCount = try #require(expected["expected_messages"] as? Int)
        #expect(run.readings.count == expectedCount, "\(name): \(run.statistics.summary)")
        if expected["must_be_rejected"] as? Bool == true {
            #expect(run.readings.isEmpty)
            #expect(run.statistics.droppedTotal > 0, "the defect must be counted")
            return
        }
        let messages = try #require(expected["messages"] as? [[String: Any]])
        for (reading, message) in zip(run.readings, messages) {
            try Self.check(reading, against: message, case: name)
        }
    }

    static func check(_ reading: Reading, against message: [String: Any], case name: String) throws {
        if let meterID = message["meter_id"] as? String {
            #expect(reading.source == meterID, "\(name): source")
        } else {
            #expect(reading.source == "test-port", "\(name): no id in the message, so the port name")
        }
        if let timestamp = message["timestamp"] as? String {
            #expect(reading.timestamp == (try ExpectedTime.utcSeconds(timestamp)), "\(name): timestamp \(timestamp)")
        } else {
            #expect(reading.timestamp == DecodeRun.fixedNow, "\(name): no time in the message, so the system clock")
        }
        let readings = message["readings"] as? [[String: Any]] ?? []
        var checked = 0
        for item in readings {
            guard let obisText = (item["obis"] as? String) ?? (item["obis_implied"] as? String) else { continue }
            let obis = try ObisCode(parsing: obisText)
            if obis.a == 0 && (obis.c == 25 || obis.hasCDE(1, 0, 0) || obis.hasCDE(42, 0, 0)) { continue }
            if let text = item["text"] as? String, text == reading.source { continue }
            let point = try #require(reading.value(obis: obis), "\(name): \(obisText) missing")
            if let value = item["value"] as? Double {
                let actual = try #require(point.value.number, "\(name): \(obisText) not a number")
                #expect(abs(actual - value) <= 1e-9 * max(1, abs(value)), "\(name): \(obisText) = \(actual), expected \(value)")
                #expect(point.unit == ExpectedUnit.ours(item["unit"] as? String), "\(name): \(obisText) unit")
                if let quantity = item["quantity"] as? String {
                    #expect(point.type?.rawValue == quantity, "\(name): \(obisText) type")
                }
            } else if let raw = item["raw"] as? Double {
                #expect(point.value.number == raw, "\(name): \(obisText) raw value")
                #expect(point.type == nil, "\(name): \(obisText) is not in the register map")
            } else if let text = item["text"] as? String {
                #expect(point.value == .text(text), "\(name): \(obisText) text")
            } else if let hex = item["raw_hex"] as? String {
                #expect(point.value == .text(hex), "\(name): \(obisText) bytes as hex")
            }
            checked += 1
        }
        #expect(checked == reading.values.count, "\(name): every value we report is in the expectation")
    }
}

/// Expected timestamps of the corpus: with an offset as given, without one in the installation's zone.
enum ExpectedTime {
    static func utcSeconds(_ iso: String) throws -> Int64 {
        let withOffset = ISO8601DateFormatter()
        withOffset.formatOptions = [.withInternetDateTime]
        if let date = withOffset.date(from: iso) { return Int64(date.timeIntervalSince1970) }
        let local = DateFormatter()
        local.locale = Locale(identifier: "en_US_POSIX")
        local.timeZone = TimeZone(identifier: "Europe/Zurich")
        local.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        let date = try #require(local.date(from: iso))
        return Int64(date.timeIntervalSince1970)
    }
}

/// The corpus names reactive units as the reference collector does (VA, VAh); we use the SI names var, varh.
enum ExpectedUnit {
    static func ours(_ unit: String?) -> String? {
        switch unit {
        case "VAh": return "varh"
        case "VA": return "var"
        default: return unit
        }
    }
}

import Foundation
@testable import Protocols
import Testing
import TestThreads

/// Every P1 capture in testdata/dsmr decodes to the values its .json lists; invalid ones yield nothing.
@Suite("DSMR P1 conformance", .onOwnThread)
struct DSMRConformanceTests {
    static let validCases = TestData.cases(in: "dsmr", dataExtension: "txt").filter { !$0.hasPrefix("invalid-") }
    static let invalidCases = TestData.cases(in: "dsmr", dataExtension: "txt").filter { $0.hasPrefix("invalid-") }

    @Test("the corpus is there") func corpus() {
        #expect(Self.validCases.count >= 19)
        #expect(Self.invalidCases.count == 3)
    }

    @Test("every object of the capture is reported as the .json says", arguments: validCases)
    func conformance(_ name: String) throws {
        let run = try TextDecodeRun(.dsmr, chunks: [DSMRFixtures.telegram(name)])
        #expect(run.drops.isEmpty, "\(run.drops)")
        try #require(run.readings.count == 1)
        let reading = run.readings[0]
        let expected = try TestData.expectation("dsmr", name)
        let objects = expected["objects"] as? [[String: Any]] ?? []
        #expect(!objects.isEmpty)
        for object in objects {
            try check(object, in: reading)
        }
        #expect(reading.source == Self.expectedSource(objects) ?? "test-port")
        try checkAsserted(expected["asserted_by_source_tests"] as? [String: Any], in: reading)
        if objects.contains(where: { $0["obis"] as? String == "0-0:1.0.0" }) == false {
            #expect(reading.timestamp == TextDecodeRun.fixedNow)
        }
    }

    @Test("invalid captures yield no reading", arguments: invalidCases)
    func invalid(_ name: String) throws {
        let run = try TextDecodeRun(.dsmr, chunks: [DSMRFixtures.telegram(name)])
        #expect(run.readings.isEmpty)
        #expect(run.drops.count == 1)
        let reason = name.contains("crc") ? DropReason.telegramChecksum : .truncatedFrame
        #expect(run.drops.first?.reason == reason)
        #expect(run.drops.first?.offset == 0)
    }

    /// The source rule: 0-0:96.1.1, 0-0:42.0.0, 0-0:96.1.0, x-0:0.0.0, other 0-0:96.1.x; hex of text decoded.
    static func expectedSource(_ objects: [[String: Any]]) -> String? {
        let ranked: [(ObisCode, String)] = objects.compactMap { object in
            guard let code = (object["obis"] as? String).flatMap({ try? ObisCode(parsing: $0) }),
                  let value = object["value"] as? String, !value.isEmpty, code.b == 0 else { return nil }
            return (code, value)
        }
        func rank(_ code: ObisCode) -> Int? {
            if code.c == 96 && code.d == 1 { return code.e == 1 ? 0 : code.e == 0 ? 2 : code.e == 4 ? nil : 4 }
            if code.a == 0 && code.hasCDE(42, 0, 0) { return 1 }
            if code.c == 0 && code.d == 0 { return 3 }
            return nil
        }
        guard let best = ranked.filter({ rank($0.0) != nil }).min(by: { rank($0.0)! < rank($1.0)! }) else { return nil }
        if let bytes = try? Hex.bytes(fromLenient: best.1), bytes.count * 2 == best.1.utf8.count,
           bytes.allSatisfy({ (0x20..<0x7F).contains($0) }) {
            return String(decoding: bytes, as: UTF8.self)
        }
        return best.1
    }

    private func check(_ object: [String: Any], in reading: Reading) throws {
        let obisText = try #require(object["obis"] as? String)
        let obis = try ObisCode(parsing: obisText)
        let kind = object["kind"] as? String ?? ""
        let oracle = object["oracle"] as? [String: Any]
        let groups = object["groups"] as? [String] ?? []
        if obis.hasCDE(1, 0, 0) && obis.a == 0 {
            // The meter's S/W flag wins (W = UTC+1, S = UTC+2 in the test zone, Europe/Brussels): the .json's
            // `timestamp` carries that offset. Without a flag the oracle's zone conversion. (Some meters send W all
            // year or S in February, see se-ell5-elster, iskra-ie-mie5t: there the oracle, which follows the zone,
            // differs by an hour.)
            #expect(reading.timestamp == Self.expectedUTC(object["timestamp"], oracle: oracle?["value"]), "\(obisText)")
        } else if kind.hasPrefix("max-demand history") {
            for (index, entry) in (object["entries"] as! [[String: Any]]).enumerated() {
                let entryOracle = entry["oracle"] as! [String: Any]
                let peak = reading.value(obis: ObisCode(1, 0, 1, 6, 0, UInt8(index + 1)))
                expectNumber(peak, entry["value"] as! String, unit: entry["unit"] as? String, "\(obisText) entry \(index)")
                #expect(peak?.timestamp == Self.expectedUTC(entry["peak_timestamp"], oracle: entryOracle["occurred_utc"]),
                        "\(obisText) entry \(index) peak time")
                let month = reading.value(obis: ObisCode(0, 0, 98, 1, 0, UInt8(index + 1)))
                let monthUTC = try #require(Self.expectedUTC(entry["month_timestamp"], oracle: entryOracle["datetime_utc"]))
                #expect(month?.value == .text(CivilTime.iso8601(monthUTC)))
            }
        } else if obis.hasCDE(99, 97, 0) {
            // (n)(0-0:96.7.19)(end)(duration*s)...: as many entries as the line holds.
            let pairs = stride(from: 2, to: groups.count - 1, by: 2).map { (groups[$0], groups[$0 + 1]) }
            for (index, pair) in pairs.enumerated() {
                let point = reading.value(obis: ObisCode(1, 0, 99, 97, 0, UInt8(index + 1)))
                let parts = pair.1.split(separator: "*").map(String.init)
                expectNumber(point, parts[0], unit: parts.count > 1 ? parts[1] : nil, "\(obisText) entry \(index)")
                #expect(point?.timestamp == DSMRFixtures.seconds(iso: Self.isoLocal(pair.0)))
            }
            #expect(reading.value(obis: ObisCode(1, 0, 99, 97, 0, UInt8(pairs.count + 1))) == nil)
        } else if !kind.isEmpty {
            // Timestamped values (M-Bus, 1-0:1.6.0) and the DSMR 2/3 profile line.
            let point = reading.value(obis: obis)
            expectNumber(point, object["value"] as! String, unit: object["unit"] as? String, obisText)
            #expect(point?.timestamp == Self.expectedUTC(object["timestamp"], oracle: oracle?["datetime_utc"]), "\(obisText)")
        } else if groups.count > 1 {
            // A row after a time (E.ON 0-0:98.1.0): numbers with F = position.
            let time = DSMRFixtures.seconds(iso: Self.isoLocal(groups[0]))
            for (index, group) in groups.dropFirst().enumerated() {
                let parts = group.split(separator: "*").map(String.init)
                let point = reading.value(obis: ObisCode(obis.a, obis.b, obis.c, obis.d, obis.e, UInt8(index + 1)))
                expectNumber(point, parts[0], unit: parts.count > 1 ? parts[1] : nil, "\(obisText) group \(index)")
                #expect(point?.timestamp == time)
            }
        } else {
            let value = object["value"] as? String ?? ""
            let point = reading.value(obis: obis)
            let isText = (obis.c == 96 && (obis.d == 1 || obis.d == 13)) || obis.hasCDE(0, 2, 8) || obis.hasCDE(42, 0, 0)
                || (obis.c == 0 && obis.d == 0)
            if value.isEmpty {
                #expect(point == nil, "\(obisText) is empty")
            } else if isText {
                // Identifiers: the one chosen as source is not repeated among the values.
                if case .text(let text)? = point?.value { #expect(!text.isEmpty) } else { #expect(reading.source != "test-port") }
            } else if DSMRFixtures.decimal(value) != nil {
                expectNumber(point, value, unit: object["unit"] as? String, obisText)
            } else {
                #expect(point?.value == .text(value), "\(obisText)")
            }
        }
    }

    /// The values the source's own tests assert (`asserted_by_source_tests.values`: OBIS code, the asserted decimal
    /// with the telegram's unit, or a UTC time).
    private func checkAsserted(_ asserted: [String: Any]?, in reading: Reading) throws {
        for entry in asserted?["values"] as? [[String: Any]] ?? [] {
            let obisText = try #require(entry["obis"] as? String)
            let obis = try ObisCode(parsing: obisText)
            if let utc = entry["utc"] as? String {
                let seconds = DSMRFixtures.seconds(iso: utc)
                if obis.a == 0 && obis.hasCDE(1, 0, 0) {
                    #expect(reading.timestamp == seconds, "source asserts \(obisText) = \(utc)")
                } else {
                    #expect(reading.value(obis: obis)?.timestamp == seconds, "source asserts \(obisText) time = \(utc)")
                }
            } else if let value = entry["value"] as? String {
                expectNumber(reading.value(obis: obis), value, unit: entry["unit"] as? String, "source asserts \(obisText)")
            }
        }
    }

    /// UTC seconds of an expected time: the .json's ISO text when it carries an offset (a time with an S/W flag,
    /// converted by the flag), else the oracle's UTC text (no flag: the zone's rules); nil when neither is a time.
    static func expectedUTC(_ iso: Any?, oracle: Any?) -> Int64? {
        if let text = iso as? String, text.count > 19, text.hasSuffix("Z") || text.dropLast(6).count == 19 {
            return DSMRFixtures.seconds(iso: text)
        }
        return (oracle as? String).flatMap { DSMRFixtures.seconds(iso: $0) }
    }

    private func expectNumber(_ point: DataPoint?, _ value: String, unit: String?, _ label: String) {
        guard let raw = DSMRFixtures.decimal(value) else {
            Issue.record("\(label): expected value '\(value)' is not a number")
            return
        }
        let (number, normalisedUnit) = DSMRFixtures.normalised(raw, unit: unit)
        #expect(DSMRFixtures.close(point?.value.number, number), "\(label): \(String(describing: point)) vs \(number)")
        #expect(point?.unit == normalisedUnit, "\(label)")
    }

    /// `200512134558S` -> `2020-05-12T13:45:58`, local time in the zone (the S/W flag only matters in the repeated
    /// hour, which the corpus does not have).
    static func isoLocal(_ p1: String) -> String {
        let c = Array(p1)
        let year = Int(String(c[0..<2]))! >= 69 ? "19" : "20"
        return "\(year)\(String(c[0..<2]))-\(String(c[2..<4]))-\(String(c[4..<6]))T"
            + "\(String(c[6..<8])):\(String(c[8..<10])):\(String(c[10..<12]))"
    }
}

import Foundation
@testable import Protocols

/// Runs the P1, Smarty or IEC 62056-21 decoder over chunks and collects what it emits.
struct TextDecodeRun {
    var readings: [Reading] = []
    var drops: [Drop] = []
    var statistics = DecoderStatistics()

    static let fixedNow: Int64 = 1_700_000_000

    init(_ meter: MeterType, key: [UInt8]? = nil, authenticationKey: [UInt8]? = nil, zone: String = "Europe/Brussels",
         maximumTelegramLength: Int = 16 * 1024, chunks: [[UInt8]]) throws {
        let configuration = DecoderConfiguration(meter: meter, key: key, authenticationKey: authenticationKey,
                                                 zone: ZoneOffsetResolver(identifier: zone)!, fallbackSource: "test-port")
        var decoder: any ReadingDecoder
        switch meter.linkLayer {
        case .p1:
            var p1 = P1TelegramDecoder(configuration: configuration, maximumTelegramLength: maximumTelegramLength)
            p1.setClock { TextDecodeRun.fixedNow }
            decoder = p1
        case .encryptedP1:
            var smarty = try SmartyDecoder(configuration: configuration)
            smarty.setClock { TextDecodeRun.fixedNow }
            decoder = smarty
        case .iec62056_21:
            var iec = IEC62056ReadoutDecoder(configuration: configuration)
            iec.setClock { TextDecodeRun.fixedNow }
            decoder = iec
        case .hdlc, .mbus:
            decoder = try ReadingDecoderFactory.make(configuration)
        }
        var readings: [Reading] = []
        var drops: [Drop] = []
        let collect: (DecoderEvent) -> Void = { event in
            switch event {
            case .reading(let reading): readings.append(reading)
            case .dropped(let drop): drops.append(drop)
            }
        }
        for chunk in chunks { decoder.feed(chunk, emit: collect) }
        decoder.finish(emit: collect)
        self.readings = readings
        self.drops = drops
        statistics = decoder.statistics
    }
}

enum DSMRFixtures {
    static func telegram(_ name: String, folder: String = "dsmr") throws -> [UInt8] {
        [UInt8](try Data(contentsOf: TestData.root.appendingPathComponent("\(folder)/\(name).txt")))
    }

    /// ISO 8601 with `Z`, `+hh:mm` or no offset (then read in `zone`) -> seconds since 1970 UTC.
    static func seconds(iso text: String, zone: String = "Europe/Brussels") -> Int64? {
        let utf8 = Array(text.utf8)
        guard utf8.count >= 19 else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? { Int(String(decoding: utf8[from..<from + length], as: UTF8.self)) }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              let minute = number(14, 2), let second = number(17, 2) else { return nil }
        let wall = CivilTime.secondsSinceEpoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
        let rest = utf8[19...]
        if rest.isEmpty { return ZoneOffsetResolver(identifier: zone)!.utcSeconds(fromWallClock: wall) }
        if rest.first == UInt8(ascii: "Z") { return wall }
        guard rest.count == 6, let hours = number(20, 2), let minutes = number(23, 2) else { return nil }
        let offset = Int64(hours * 3600 + minutes * 60) * (rest.first == UInt8(ascii: "-") ? -1 : 1)
        return wall - offset
    }

    /// "0001", "-80.7", "000015.758" -> Double; nil for anything else (hex ids, times).
    static func decimal(_ text: String) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "." || $0 == "-" || $0 == "+") }) else {
            return nil
        }
        return Double(text)
    }

    /// The value and unit the decoder reports for a value and unit written in a telegram.
    static func normalised(_ value: Double, unit: String?) -> (Double, String?) {
        switch unit {
        case "kWh": return (value * 1000, "Wh")
        case "kW": return (value * 1000, "W")
        case "kvarh", "kVArh": return (value * 1000, "varh")
        case "kvar", "kVAr": return (value * 1000, "var")
        case "kVA": return (value * 1000, "VA")
        case "Deg": return (value, "°")
        default: return (value, unit)
        }
    }

    static func close(_ a: Double?, _ b: Double) -> Bool {
        guard let a else { return false }
        return abs(a - b) <= max(1e-9, abs(b) * 1e-12)
    }

    /// Random bytes for "noise on the line".
    static func noise(count: Int, using generator: inout SeededGenerator) -> [UInt8] {
        (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}

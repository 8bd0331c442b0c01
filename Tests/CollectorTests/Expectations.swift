import Foundation
import Testing

/// What `lge450-gbt-vse2026` holds, read with `timezone = Europe/Zurich` (values as in its .json beside the capture).
enum LGE450Capture {
    static let name = "lge450-gbt-vse2026"
    static let source = "LGZ1030653520967"
    static let timestamp = "2026-05-04T09:39:21Z"
    static let csvFile = "LGZ1030653520967_2026-05-04.csv"
    /// The capture's path.
    static let path = testdata.appendingPathComponent(name + ".hex").path

    /// obis, type, value, unit: every value of the reading, in order.
    static let values: [(obis: String, type: String?, value: String, unit: String?)] = [
        ("0-0:96.1.1*255", nil, "1909113", nil),
        ("1-1:1.8.0*255", "ACTIVE_ENERGY_P", "482939", "Wh"),
        ("1-1:2.8.0*255", "ACTIVE_ENERGY_N", "0", "Wh"),
        ("1-1:3.8.0*255", "REACTIVE_ENERGY_P", "37", "varh"),
        ("1-1:4.8.0*255", "REACTIVE_ENERGY_N", "344697", "varh"),
        ("1-0:1.7.0*255", "ACTIVE_POWER_P", "28", "W"),
        ("1-0:2.7.0*255", "ACTIVE_POWER_N", "0", "W"),
        ("1-0:32.7.0*255", "VOLTAGE_L1", "236", "V"),
        ("1-0:52.7.0*255", "VOLTAGE_L2", "236", "V"),
        ("1-0:72.7.0*255", "VOLTAGE_L3", "0", "V"),
        ("1-0:31.7.0*255", "CURRENT_L1", "0.09", "A"),
        ("1-0:51.7.0*255", "CURRENT_L2", "0.08", "A"),
        ("1-0:71.7.0*255", "CURRENT_L3", "0", "A"),
    ]

    /// Checks one JSON-lines reading value by value.
    static func expectJSON(_ reading: [String: Any], source: String = source, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(reading["source"] as? String == source, sourceLocation: sourceLocation)
        #expect(reading["timestamp"] as? String == timestamp, sourceLocation: sourceLocation)
        let points = reading["values"] as? [[String: Any]] ?? []
        #expect(points.count == values.count, sourceLocation: sourceLocation)
        for (point, expected) in zip(points, values) {
            #expect(point["obis"] as? String == expected.obis, sourceLocation: sourceLocation)
            #expect(point["type"] as? String == expected.type, sourceLocation: sourceLocation)
            #expect(point["unit"] as? String == expected.unit, sourceLocation: sourceLocation)
            let actual: String
            switch point["value"] {
            case let text as String: actual = text
            case let number as NSNumber: actual = "\(number)"
            default: actual = "?"
            }
            #expect(actual == expected.value, "\(expected.obis)", sourceLocation: sourceLocation)
        }
    }

    /// The CSV rows of `count` readings, after the header.
    static func csvRows(count: Int, source: String = source) -> [String] {
        let one = values.map { "\(timestamp),\(source),\($0.obis),\($0.type ?? ""),\($0.value),\($0.unit ?? "")" }
        return Array(repeating: one, count: count).flatMap { $0 }
    }

    static func expectCSV(_ path: String, readings: Int, source: String = source,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.first == "timestamp,source,obis,type,value,unit", sourceLocation: sourceLocation)
        #expect(Array(lines.dropFirst()) == csvRows(count: readings, source: source), sourceLocation: sourceLocation)
    }
}

import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// `type = logger`: one line per value on standard output in the reference collector's form,
/// `LGZ1030653520967 - 2026-05-04T09:39:21+00:00 - Active Power + (1-0:1.7.0*255): 28 W`.
final class LoggerSink: Sink {
    let name: String

    init(name: String) {
        self.name = name
    }

    func write(_ readings: [Reading]) throws {
        var out = ""
        for reading in readings { out += Self.lines(reading) }
        if let code = FileSystem.writeAll(STDOUT_FILENO, out) {
            throw SinkError(description: "cannot write standard output: \(FileSystem.errorText(code))")
        }
    }

    func close() {}

    static func lines(_ reading: Reading) -> String {
        let time = String(CivilTime.iso8601(reading.timestamp).dropLast()) + "+00:00"
        // Ids, texts and units come from the meter: escaped so they cannot steer the terminal or fake a line.
        let source = TerminalText.escape(reading.source)
        var out = ""
        for point in reading.values {
            out += "\(source) - \(time) - \(point.type?.humanName ?? "Register") (\(point.obis)): "
            switch point.value {
            case .number(let number): out += ReadingJSON.formatNumber(number)
            case .text(let text): out += TerminalText.escape(text)
            }
            if let unit = point.unit, !unit.isEmpty { out += " " + TerminalText.escape(unit) }
            out += "\n"
        }
        return out
    }
}

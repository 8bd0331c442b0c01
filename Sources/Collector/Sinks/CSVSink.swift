import FoundationEssentials
import Glibc
import Logging
import Protocols

/// `type = csv`: one file per meter and UTC day in `directory`, named `SOURCE_YYYY-MM-DD.csv`, with the header
/// `timestamp,source,obis,type,value,unit` and one row per value. The day is that of the reading's timestamp, so
/// files rotate at UTC midnight. Each batch is appended and synced.
final class CSVSink: Sink {
    static let header = "timestamp,source,obis,type,value,unit\n"

    private let directory: String
    private let logger: Logger
    /// The open file of each source, with the day it holds.
    private var files: [String: (day: Int64, file: FileAppender)] = [:]

    init(_ configuration: SinkConfiguration, logger: Logger) throws {
        directory = configuration["directory"]!
        self.logger = logger
        do {
            try FileSystem.createDirectories(directory)
        } catch {
            throw SinkError(description: "cannot create directory \(directory): \(error)")
        }
    }

    func write(_ readings: [Reading]) throws {
        var pending: [String: String] = [:]
        for reading in readings {
            let day = reading.timestamp >= 0 ? reading.timestamp / 86_400 : (reading.timestamp - 86_399) / 86_400
            let key = Self.fileName(source: reading.source, day: day)
            if files[reading.source]?.day != day {
                if let old = files[reading.source] {
                    try flush(&pending, source: reading.source)
                    old.file.close()
                }
                let file = try FileAppender(path: directory + "/" + key)
                if file.size == 0 { try file.append(Self.header) }
                files[reading.source] = (day, file)
                logger.debug("writing \(file.path)")
            }
            pending[reading.source, default: ""] += Self.rows(reading)
        }
        for source in Array(pending.keys) { try flush(&pending, source: source) }
    }

    private func flush(_ pending: inout [String: String], source: String) throws {
        guard let text = pending.removeValue(forKey: source), let file = files[source]?.file else { return }
        try file.append(text)
        try file.sync()
    }

    func close() {
        for (_, entry) in files { entry.file.close() }
        files = [:]
    }

    static func fileName(source: String, day: Int64) -> String {
        let date = CivilTime.iso8601(day * 86_400).prefix(10)
        let safe = String(source.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
        return "\(safe.isEmpty ? "meter" : safe)_\(date).csv"
    }

    static func rows(_ reading: Reading) -> String {
        let time = CivilTime.iso8601(reading.timestamp)
        let source = field(reading.source)
        var out = ""
        for point in reading.values {
            out += time + "," + source + "," + point.obis.description + "," + (point.type?.rawValue ?? "") + ","
            switch point.value {
            case .number(let number): out += ReadingJSON.formatNumber(number)
            case .text(let text): out += field(text)
            }
            out += "," + field(point.unit ?? "") + "\n"
        }
        return out
    }

    /// RFC 4180 quoting when needed.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacing("\"", with: "\"\"") + "\""
    }
}

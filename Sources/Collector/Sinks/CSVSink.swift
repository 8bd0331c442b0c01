import Glibc
import Logging
import Protocols

/// `type = csv`: one file per meter and UTC day in `directory` (see `CSVFileName`: `SOURCE_YYYY-MM-DD.csv` for a
/// source of safe characters, an escaped name with a hash for any other, `SOURCE_invalid-time.csv` for a time the
/// meter's clock cannot have), with the header `timestamp,source,obis,type,value,unit` and one row per value. The day
/// is that of the reading's timestamp, so files rotate at UTC midnight. Each batch is appended and synced, file by
/// file: a file that cannot be written costs the readings going to it only. At most `openFilesLimit` files are open.
final class CSVSink: Sink {
    static let header = "timestamp,source,obis,type,value,unit\n"
    static let openFilesLimit = 16

    private let logger: Logger
    private let files: CSVOpenFiles
    private let now: () -> Int64
    /// Readings that could not be written, and the last reason logged.
    private var failedReadings = 0
    private var lastFailure: String?

    init(_ configuration: SinkConfiguration, logger: Logger, now: @escaping () -> Int64 = { Int64(time(nil)) }) throws {
        let directory = configuration["directory"]!
        self.logger = logger
        self.now = now
        files = CSVOpenFiles(directory: directory, header: Self.header, capacity: Self.openFilesLimit)
        do {
            try FileSystem.createDirectories(directory)
        } catch {
            throw SinkError(description: "cannot create directory \(directory): \(error)")
        }
    }

    func write(_ readings: [Reading]) throws {
        // The rows of each file, files in the order of their first reading.
        var order: [String] = []
        var pending: [String: (text: String, readings: Int)] = [:]
        let clock = now()
        for reading in readings {
            let name = CSVFileName.name(source: reading.source, timestamp: reading.timestamp, now: clock)
            if pending[name] == nil { order.append(name) }
            pending[name, default: ("", 0)].text += Self.rows(reading)
            pending[name, default: ("", 0)].readings += 1
        }
        var failed = 0
        var reason: String?
        for name in order {
            let (text, count) = pending[name]!
            do {
                let file = try files.file(named: name)
                try file.append(text)
                try file.sync()
            } catch {
                files.discard(name)
                failed += count
                reason = "\(error)"
            }
        }
        guard let reason else {
            if lastFailure != nil { logger.info("writing again") }
            lastFailure = nil
            return
        }
        failedReadings += failed
        // All lost: the sink worker logs and counts the batch. Some lost: logged here, when the reason changes.
        if failed == readings.count { throw SinkError(description: reason) }
        if reason != lastFailure {
            logger.error("\(failed) of \(readings.count) readings not written (the others are): \(reason)")
        }
        lastFailure = reason
    }

    func close() {
        files.closeAll()
        if failedReadings > 0 { logger.warning("\(failedReadings) readings could not be written") }
    }

    static func rows(_ reading: Reading) -> String {
        let time = CivilTime.iso8601(reading.timestamp)
        let source = CSVCell.text(reading.source)
        var out = ""
        for point in reading.values {
            out += time + "," + source + "," + point.obis.description + "," + (point.type?.rawValue ?? "") + ","
            switch point.value {
            case .number(let number): out += CSVCell.verbatim(ReadingJSON.formatNumber(number))
            case .text(let text): out += CSVCell.text(text)
            }
            out += "," + CSVCell.text(point.unit ?? "") + "\n"
        }
        return out
    }
}

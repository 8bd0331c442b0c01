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
    private var pending: [(name: String, bytes: [UInt8], readings: Int)] = []
    private var used = 0
    private var lastFile: (source: String, day: Int64, name: String)?

    init(_ configuration: SinkConfiguration, logger: Logger, now: @escaping () -> Int64 = { Int64(time(nil)) }) throws {
        let directory = configuration["directory"]!
        self.logger = logger
        self.now = now
        files = CSVOpenFiles(directory: directory, header: Self.header, capacity: Self.openFilesLimit)
        do {
            try FileSystem.prepareFolder(directory)
        } catch {
            throw SinkError(description: "cannot use directory \(directory): \(error)")
        }
    }

    func write(_ readings: [Reading]) throws {
        // The rows of each file, files in the order of their first reading, in byte buffers reused batch to batch.
        for index in 0..<used { pending[index].bytes.removeAll(keepingCapacity: true); pending[index].readings = 0 }
        used = 0
        var slots: [String: Int] = [:]
        let clock = now()
        for reading in readings {
            let name = fileName(reading, now: clock)
            let slot: Int
            if let known = slots[name] {
                slot = known
            } else {
                slot = used
                slots[name] = slot
                if slot == pending.count { pending.append((name, [], 0)) } else { pending[slot].name = name }
                used += 1
            }
            Self.appendRows(reading, to: &pending[slot].bytes)
            pending[slot].readings += 1
        }
        var failed = 0
        var reason: String?
        for slot in 0..<used {
            let name = pending[slot].name
            do {
                let file = try files.file(named: name)
                try file.append(pending[slot].bytes)
                try file.sync()
            } catch {
                files.discard(name)
                failed += pending[slot].readings
                reason = "\(error)"
            }
        }
        if pending.count > 64 || pending.contains(where: { $0.bytes.capacity > 4 << 20 }) {
            pending = []
            used = 0
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

    /// The file of a reading, remembered for the last source and day (a replay is long runs of both).
    private func fileName(_ reading: Reading, now: Int64) -> String {
        let day = reading.timestamp >= CSVFileName.earliest && reading.timestamp <= now + CSVFileName.aheadAllowed
            ? reading.timestamp / 86_400 : -1
        if let last = lastFile, last.day == day, last.source == reading.source { return last.name }
        let name = CSVFileName.name(source: reading.source, timestamp: reading.timestamp, now: now)
        lastFile = (reading.source, day, name)
        return name
    }

    func close() {
        files.closeAll()
        if failedReadings > 0 { logger.warning("\(failedReadings) readings could not be written") }
    }

    static func rows(_ reading: Reading) -> String {
        var out: [UInt8] = []
        appendRows(reading, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// One row per value; the time and the source cell once per reading, numbers and times as bytes.
    static func appendRows(_ reading: Reading, to out: inout [UInt8]) {
        var prefix: [UInt8] = []
        TextBytes.appendISO8601(reading.timestamp, to: &prefix)
        prefix.append(UInt8(ascii: ","))
        prefix.append(contentsOf: CSVCell.text(reading.source).utf8)
        prefix.append(UInt8(ascii: ","))
        for point in reading.values {
            out.append(contentsOf: prefix)
            TextBytes.append(point.obis, to: &out)
            out.append(UInt8(ascii: ","))
            if let type = point.type { out.append(contentsOf: type.rawValue.utf8) }
            out.append(UInt8(ascii: ","))
            switch point.value {
            // Our number text never holds a comma, a quote or a line break: the cell is the text itself.
            case .number(let number): TextBytes.append(number, to: &out)
            case .text(let text): out.append(contentsOf: CSVCell.text(text).utf8)
            }
            out.append(UInt8(ascii: ","))
            if let unit = point.unit { out.append(contentsOf: CSVCell.text(unit).utf8) }
            out.append(UInt8(ascii: "\n"))
        }
    }
}

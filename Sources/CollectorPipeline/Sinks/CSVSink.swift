import Glibc
import Logging
import Protocols
import SystemSupport

/// `type = csv`: one file per meter and UTC day in `directory` (see `CSVFileName`: `SOURCE_YYYY-MM-DD.csv` for a
/// source of safe characters, an escaped name with a hash for any other, `SOURCE_invalid-time.csv` for a time the
/// meter's clock cannot have), with the header `timestamp,source,obis,type,value,unit` and one row per value. The day
/// is that of the reading's timestamp, so files rotate at UTC midnight. Each batch is appended file by file and
/// synced (see `SyncPacing`): a file that cannot be written costs the readings going to it only. At most
/// `openFilesLimit` files are open.
package final class CSVSink: Sink {
    package static let header = "timestamp,source,obis,type,value,unit\n"
    package static let openFilesLimit = 16

    private let logger: Logger
    private let files: CSVOpenFiles
    private let now: () -> Int64
    /// Readings that could not be written, and the last reason logged.
    private var failedReadings = 0
    private var lastFailure: String?
    private var pending: [(name: String, bytes: OutputBytes, readings: Int)] = []
    private var used = 0
    private var lastFile: (source: String, day: Int64, name: String)?
    private var pacing = SyncPacing()

    package init(directory: String, logger: Logger, now: @escaping () -> Int64 = { Int64(time(nil)) }) throws {
        self.logger = logger
        self.now = now
        files = CSVOpenFiles(directory: directory, header: Self.header, capacity: Self.openFilesLimit)
        do {
            try FileSystem.prepareFolder(directory)
        } catch {
            throw SinkError(description: "cannot use directory \(directory): \(error)")
        }
    }

    package func write(_ readings: [Reading]) throws {
        // The rows of each file, files in the order of their first reading, in byte buffers reused batch to batch. A
        // batch mostly goes to one file: the other buffers (a new day, another meter) keep little memory between
        // batches, so that a replay crossing many days holds what one crossing holds.
        for index in 0..<used {
            pending[index].bytes.removeAll(keepingCapacityUpTo: index == 0 ? 4 << 20 : 256 << 10)
            pending[index].readings = 0
        }
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
                if slot == pending.count { pending.append((name, OutputBytes(), 0)) } else { pending[slot].name = name }
                used += 1
            }
            Self.appendRows(reading, to: pending[slot].bytes)
            pending[slot].readings += 1
        }
        var failed = 0
        var reason: String?
        let syncNow = pacing.syncAfterWrite()
        for slot in 0..<used {
            let name = pending[slot].name
            do {
                let file = try files.file(named: name)
                try file.append(pending[slot].bytes)
                if syncNow { try file.sync() } else { file.startWriteback() }
            } catch {
                files.discard(name)
                failed += pending[slot].readings
                reason = "\(error)"
            }
        }
        if pending.count > 64 {
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

    package func idle() throws {
        if pacing.syncPending() { try files.syncAll() }
    }

    package func close() {
        do {
            try idle()
        } catch {
            logger.error("\(error)")
        }
        files.closeAll()
        if failedReadings > 0 { logger.warning("\(failedReadings) readings could not be written") }
    }

    static func rows(_ reading: Reading) -> String {
        let out = OutputBytes()
        appendRows(reading, to: out)
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// One row per value; the time and the source cell once per reading, numbers and times as bytes. A unit or a
    /// text of letters and digits is its own cell; any other goes through `CSVCell` (quoting, formula neutralising).
    static func appendRows(_ reading: Reading, to out: OutputBytes) {
        let source = CSVCell.text(reading.source)
        var prefix = [UInt8](repeating: 0, count: TextBytes.timeLength + 1 + source.utf8.count + 1)
        var prefixLength = 0
        prefix.withUnsafeMutableBufferPointer { buffer in
            var writer = ByteWriter(buffer.baseAddress!)
            writer.iso8601(reading.timestamp)
            writer.byte(UInt8(ascii: ","))
            writer.utf8(source)
            writer.byte(UInt8(ascii: ","))
            prefixLength = writer.cursor - buffer.baseAddress!
        }
        prefix.withUnsafeBytes { prefixBytes in
            let prefix = UnsafeRawBufferPointer(rebasing: prefixBytes[0..<prefixLength])
            for point in reading.values {
                let value: String?
                switch point.value {
                case .number: value = nil
                case .text(let text): value = Self.cell(text)
                }
                let unit = point.unit.map(Self.cell)
                let maximum = prefix.count + TextBytes.obisLength + (point.type?.rawValue.utf8.count ?? 0)
                    + TextBytes.numberLength + (value?.utf8.count ?? 0) + (unit?.utf8.count ?? 0) + 4
                out.write(upTo: maximum) { writer in
                    writer.bytes(prefix)
                    writer.obis(point.obis)
                    writer.byte(UInt8(ascii: ","))
                    if let type = point.type { writer.utf8(type.rawValue) }
                    writer.byte(UInt8(ascii: ","))
                    switch point.value {
                    // Our number text never holds a comma, a quote or a line break: the cell is the text itself.
                    case .number(let number): writer.number(number)
                    case .text: writer.utf8(value!)
                    }
                    writer.byte(UInt8(ascii: ","))
                    if let unit { writer.utf8(unit) }
                    writer.byte(UInt8(ascii: "\n"))
                }
            }
        }
    }

    /// `CSVCell.text`, without its work for the usual units and texts (ASCII letters and digits only).
    private static func cell(_ text: String) -> String {
        let plain = text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
        }
        return plain ? text : CSVCell.text(text)
    }
}

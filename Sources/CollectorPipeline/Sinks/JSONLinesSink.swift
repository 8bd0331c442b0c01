import Protocols
import SystemSupport

/// `type = jsonl`: one reading per line in the JSON shape of `smartmeter-config decode`, appended and synced (see
/// `SyncPacing`). Each batch is written into one byte buffer, reused from batch to batch, and handed to the file in
/// one write.
final class JSONLinesSink: Sink {
    private let file: FileAppender
    private let buffer = OutputBytes()
    private var pacing = SyncPacing()

    init(file path: String) throws {
        file = try FileAppender(path: path, accepting: .regularOrStream)
    }

    func write(_ readings: [Reading]) throws {
        for reading in readings { ReadingJSON.appendLine(reading, to: buffer) }
        defer { buffer.removeAll(keepingCapacityUpTo: 4 << 20) }  // a burst of large readings must not pin memory
        try file.append(buffer)
        if pacing.syncAfterWrite() { try file.sync() } else { file.startWriteback() }
    }

    func idle() throws {
        if pacing.syncPending() { try file.sync() }
    }

    func close() {
        try? idle()
        file.close()
    }
}

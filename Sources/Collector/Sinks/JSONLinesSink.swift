import Protocols

/// `type = jsonl`: one reading per line in the JSON shape of `smartmeter-config decode`, appended and synced. Each
/// batch is written into one byte buffer, reused from batch to batch, and handed to the file in one write.
final class JSONLinesSink: Sink {
    private let file: FileAppender
    private var buffer: [UInt8] = []

    init(_ configuration: SinkConfiguration) throws {
        file = try FileAppender(path: configuration["file"]!, accepting: .regularOrStream)
    }

    func write(_ readings: [Reading]) throws {
        buffer.removeAll(keepingCapacity: true)
        for reading in readings {
            ReadingJSON.append(reading, to: &buffer)
            buffer.append(UInt8(ascii: "\n"))
        }
        try file.append(buffer)
        try file.sync()
        // A burst of large readings must not pin a large buffer for the rest of the run.
        if buffer.capacity > 4 << 20 { buffer = [] }
    }

    func close() {
        file.close()
    }
}

import Protocols

/// `type = jsonl`: one reading per line in the JSON shape of `smartmeter-config decode`, appended and synced.
final class JSONLinesSink: Sink {
    private let file: FileAppender

    init(_ configuration: SinkConfiguration) throws {
        file = try FileAppender(path: configuration["file"]!, accepting: .regularOrStream)
    }

    func write(_ readings: [Reading]) throws {
        var out = ""
        for reading in readings {
            out += ReadingJSON.encode(reading)
            out += "\n"
        }
        try file.append(out)
        try file.sync()
    }

    func close() {
        file.close()
    }
}

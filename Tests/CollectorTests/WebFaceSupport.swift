import Foundation
import Protocols
import TestSupport
import Testing

/// A real collector with its web face on a free port: a Fluvius P1 meter (reader0) and an L+G E450 (reader1) on
/// pseudo-terminals, a JSON-lines sink (every reading must reach it) and an `mqttjson` sink towards a port where no
/// broker listens (a sink that is down).
final class WebCollector: @unchecked Sendable {
    let directory: TestFolder
    let fluvius: PtyPair
    let e450: PtyPair
    let extra: PtyPair?
    let port: Int
    let collector: RunningProcess
    let jsonl: String

    /// `http` replaces the `[http]` body (`listen` on the free port is added unless it names one); `extraReader`
    /// adds a third E450 reader (reader2) with these extra lines.
    init(http: String = "", extraReader: String? = nil, arguments: [String] = []) throws {
        directory = try TestFolder()
        fluvius = PtyPair(directory: directory, names: ("fluvius", "fluvius-feed"))
        e450 = PtyPair(directory: directory, names: ("e450", "e450-feed"))
        extra = extraReader == nil ? nil : PtyPair(directory: directory, names: ("extra", "extra-feed"))
        try fluvius.plug()
        try e450.plug()
        try extra?.plug()
        port = FreePort.find()
        jsonl = directory.file("readings.jsonl")
        let listen = http.contains("listen") ? "" : "listen = 127.0.0.1:\(port)\n"
        var ini = """
            [reader0]
            type = fluvius
            port = \(fluvius.meter)

            [reader1]
            type = lge450
            port = \(e450.meter)
            timezone = Europe/Zurich

            [sink0]
            type = jsonl
            file = \(jsonl)

            [sink1]
            type = mqttjson
            host = 127.0.0.1
            port = \(FreePort.find())
            spool_dir = \(directory.file("spool"))

            [http]
            \(listen)\(http)

            [logging]
            default = INFO

            """
        if let extraReader, let extra {
            ini += "\n[reader2]\ntype = lge450\nport = \(extra.meter)\ntimezone = Europe/Zurich\n\(extraReader)\n"
        }
        let path = try directory.write("c.ini", ini)
        collector = try launchCollector(["-c", path] + arguments)
        // Each serial reader says when it has its port open (what a meter sends before that is flushed).
        let readers = extraReader == nil ? 2 : 3
        let started = eventually(timeout: 15) {
            self.collector.stderr.contents.components(separatedBy: "INFO smartmeter: reading ").count - 1 == readers
        }
        if !started { Issue.record("the collector did not start: \(collector.stderr.contents)") }
    }

    deinit {
        stop()
        fluvius.unplug()
        e450.unplug()
        extra?.unplug()
    }

    func stop() {
        guard collector.isRunning else { return }
        collector.signal(SIGTERM)
        _ = collector.waitForExit(timeout: 10)
    }

    var base: String { "http://127.0.0.1:\(port)" }

    func get(_ path: String, headers: [String: String] = [:]) throws -> HTTPProbe.Response {
        try HTTPProbe.get(port, path, headers: headers)
    }

    func json(_ path: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(try get(path).body))
    }

    /// Fluvius telegram `index` (P+ = index W).
    func sendFluvius(_ index: Int) throws { fluvius.write(try FluviusTelegrams.telegram(index)) }

    /// The same telegram with one digit changed after its checksum was computed: dropped for its CRC.
    func sendCorruptFluvius() throws {
        var telegram = try FluviusTelegrams.telegram(1)
        let digit = telegram.firstIndex(of: UInt8(ascii: "5"))!
        telegram[digit] = UInt8(ascii: "6")
        fluvius.write(telegram)
    }

    func sendE450(to pty: PtyPair? = nil) throws {
        (pty ?? e450).write(try captureFrames(LGE450Capture.name).flatMap { $0 })
    }

    func readingsWritten() -> Int { (try? jsonLines(jsonl).count) ?? 0 }
}

import Foundation
import TestSupport

/// Which collector a run measures: ours (the release build) or the reference (smartmeter-datacollector 2.0.0's
/// console script in the venv bench/compare.sh makes). Both read the same INI format; the reference ignores the
/// keys only ours knows, and knows fewer sinks (logger, mqtt, mqttrldsp) and publishes with QoS 0 only.
struct CollectorUnderTest {
    let executable: String
    let isReference: Bool

    var name: String { isReference ? "reference" : "ours" }

    /// Starts the collector on `configuration` with standard output and error going to `log` (a file or a FIFO).
    func start(configuration: String, log: String) throws -> pid_t {
        try ChildProcess.spawn([executable, "-c", configuration], log: log)
    }

    /// The `[readerN]` section for an E450 on `port`.
    func readerSection(port: String) -> String {
        var lines = ["[reader0]", "type = lge450", "port = \(port)"]
        if !isReference { lines.append("timezone = Europe/Zurich") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// An MQTT sink section; `spool` is where ours keeps its spool. `queueSize` (ours only) holds a flood's
    /// readings in memory without dropping any; without it the sink has its default queue, as a user's would.
    func mqttSection(index: Int, format: String, port: Int, tlsCA: String?, clientID: String, spool: String,
                     queueSize: Int? = nil) -> String {
        var lines = ["[sink\(index)]", "type = \(format)", "host = 127.0.0.1", "port = \(port)"]
        if let tlsCA { lines += ["tls = True", "ca_file_path = \(tlsCA)", "check_hostname = True"] }
        if !isReference { lines += ["qos = 1", "client_id = \(clientID)", "spool_dir = \(spool)"] }
        if !isReference, let queueSize { lines.append("queue_size = \(queueSize)") }
        return lines.joined(separator: "\n") + "\n"
    }
}

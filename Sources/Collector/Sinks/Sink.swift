import Logging
import Protocols

/// A destination of readings. A sink's methods run on the sink's own thread, one call at a time, so a sink may block
/// (write, fsync, network) without holding back readers or other sinks.
protocol Sink: AnyObject {
    /// Writes a batch of readings in arrival order. A thrown error is logged and the batch counted as lost.
    func write(_ readings: [Reading]) throws
    /// The input has ended (every replayed file read) and every reading was handed to `write`: returns once the sink
    /// has stored everything it holds (a spool drained into its server), or when `interrupt` is called.
    func finish()
    /// Nothing arrived for a moment (the queue is empty): a good time to make what was written durable.
    func idle() throws
    /// Called from another thread on shutdown: a `write` or `finish` waiting for a server stops waiting.
    func interrupt()
    /// Called on the sink's thread between writes, at least every quarter second: time-driven work (the MQTT sinks'
    /// per-meter availability for Home Assistant).
    func tick()
    /// Flushes and releases what the sink holds. Called once, after the last write.
    func close()
    /// For the web face, called from other threads: whether the sink reaches its server and what it has spooled;
    /// nil for a sink without a server.
    var health: SinkHealth? { get }
}

/// A sink's connection to its server and its spool.
struct SinkHealth: Sendable {
    var connected: Bool
    /// Why it is not connected, when known.
    var failure: String?
    var spooledBytes: Int
    /// Readings or messages the spool dropped (full, or refused by the server).
    var spoolDropped: Int
}

extension Sink {
    /// Sinks that store what `write` gives them before it returns have nothing to wait for.
    func finish() {}
    func idle() {}
    func interrupt() {}
    func tick() {}
    var health: SinkHealth? { nil }
}

struct SinkError: Error, CustomStringConvertible {
    var description: String
}

/// Builds the sink of a `[sinkN]` section. A new sink type is a file in Sinks/ with its type, plus one line here
/// (and its keys in `SinkSchema`, which the configurator shares).
enum SinkFactory {
    /// A sink's configuration, its logger and the readers' status (read-only) for a sink that reports per meter.
    typealias Builder = @Sendable (SinkConfiguration, Logger, MeterStatusView) throws -> any Sink

    static let builders: [String: Builder] = [
        "logger": { configuration, _, _ in LoggerSink(configuration) },
        "csv": { configuration, logger, _ in try CSVSink(configuration, logger: logger) },
        "jsonl": { configuration, _, _ in try JSONLinesSink(configuration) },
        "mqtt": { configuration, logger, meters in try MQTTSink(configuration, logger: logger, meters: meters) },
        "mqttrldsp": { configuration, logger, meters in try MQTTSink(configuration, logger: logger, meters: meters) },
        "mqttjson": { configuration, logger, meters in try MQTTSink(configuration, logger: logger, meters: meters) },
        "postgresql": { configuration, logger, _ in try PostgreSQLSink(configuration, logger: logger) },
        "timescaledb": { configuration, logger, _ in try PostgreSQLSink(configuration, logger: logger) },
    ]

    /// The sink, or nil for a type that validates but this build cannot run yet (it is then skipped with a warning).
    static func make(_ configuration: SinkConfiguration, logger: Logger,
                     meters: MeterStatusView = .none) throws -> (any Sink)? {
        guard let builder = builders[configuration.type] else { return nil }
        return try builder(configuration, logger, meters)
    }
}

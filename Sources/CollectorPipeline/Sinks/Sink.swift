import Logging
import Configuration
import Protocols

/// A destination of readings. A sink's methods run on the sink's own thread, one call at a time, so a sink may block
/// (write, fsync, network) without holding back readers or other sinks.
package protocol Sink: AnyObject {
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
package struct SinkHealth: Sendable {
    package var connected: Bool
    /// Why it is not connected, when known.
    package var failure: String?
    package var spooledBytes: Int
    /// Readings or messages the spool dropped (full, or refused by the server).
    package var spoolDropped: Int
}

extension Sink {
    /// Sinks that store what `write` gives them before it returns have nothing to wait for.
    package func finish() {}
    package func idle() {}
    package func interrupt() {}
    package func tick() {}
    package var health: SinkHealth? { nil }
}

package struct SinkError: Error, CustomStringConvertible {
    package var description: String

    package init(description: String) {
        self.description = description
    }
}

/// Builds the sink of a `[sinkN]` section.
package enum SinkFactory {
    /// The sink of a section, with its logger and, for a sink that reports per meter, the readers' status (read-only).
    package static func make(_ configuration: SinkConfiguration, logger: Logger, meters: MeterStatusView = .none) throws -> any Sink {
        switch configuration.settings {
        case .logger(let name): return LoggerSink(name: name)
        case .csv(let directory): return try CSVSink(directory: directory, logger: logger)
        case .jsonl(let file): return try JSONLinesSink(file: file)
        case .mqtt(let settings): return try MQTTSink(sink: configuration.name, settings, logger: logger, meters: meters)
        case .postgresql(let settings): return try PostgreSQLSink(sink: configuration.name, settings, logger: logger)
        }
    }
}

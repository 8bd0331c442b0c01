import FoundationEssentials
import Glibc
import Logging
import Configuration
import Protocols
import ServiceLifecycle

/// Wires readers to sinks from a validated configuration and runs them until a signal or until every reader has
/// ended (see `Pipeline` for the order of shutdown).
package struct Collector {
    let configuration: CollectorConfiguration
    let logger: Logger

    package init(configuration: CollectorConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Returns after a clean shutdown (SIGTERM, SIGINT, or all replayed files read); throws `CollectorFailure` (its
    /// reason already logged) when a sink or the web face cannot start or a replayed file could not be read.
    package func run() async throws {
        let interval = Double(configuration.logging.statisticsInterval)
        // The readers' statuses exist with or without a web face: MQTT sinks announce per meter what they hold.
        let readerStatuses = StatusBoard.readers(
            of: configuration, staleAfter: configuration.http?.staleAfter ?? HTTPConfiguration.defaultStaleAfter)
        let meters = MeterStatusView(readers: readerStatuses)
        var workers: [SinkWorker] = []
        for sinkConfiguration in configuration.sinks {
            var sinkLogger = Logger(label: LogLabels.sink)
            sinkLogger[metadataKey: "sink"] = "\(sinkConfiguration.name)/\(sinkConfiguration.type)"
            do {
                let sink = try SinkFactory.make(sinkConfiguration, logger: sinkLogger, meters: meters)
                let queue = SinkQueue(capacity: sinkConfiguration.queue.readings,
                                      maximumBytes: sinkConfiguration.queue.kilobytes << 10)
                workers.append(SinkWorker(name: sinkConfiguration.name, type: sinkConfiguration.type, sink: sink,
                                          queue: queue, logger: sinkLogger, statisticsInterval: interval))
            } catch {
                logger.error("[\(sinkConfiguration.name)] cannot start the \(sinkConfiguration.type) sink: \(error)")
                throw CollectorFailure.sinkCannotStart
            }
        }
        var webFace: WebFace?
        var webParts: (live: LiveReadings, hub: EventHub)?
        if configuration.http != nil {
            // The web face is a sink like the others, with its own queue: it never holds back a reader or a sink.
            let live = LiveReadings(), hub = EventHub()
            webParts = (live, hub)
            var sinkLogger = Logger(label: LogLabels.sink)
            sinkLogger[metadataKey: "sink"] = "http"
            workers.append(SinkWorker(name: "http", type: "http", sink: LiveSink(live: live, hub: hub),
                                      queue: SinkQueue(capacity: 256, maximumBytes: 1 << 20), logger: sinkLogger,
                                      statisticsInterval: interval))
        }
        let board = StatusBoard(readers: readerStatuses, sinks: workers)
        if let http = configuration.http, let (live, hub) = webParts {
            var webLogger = Logger(label: LogLabels.collector)
            webLogger[metadataKey: "http"] = "web"
            do {
                webFace = try WebFace(configuration: http, board: board, live: live, hub: hub, logger: webLogger)
            } catch {
                logger.error("[http] \(error)")
                throw CollectorFailure.webFaceCannotStart
            }
        }
        let fanOut = FanOut(queues: workers.map(\.queue), status: board)
        let readerFailed = StopFlag()
        let readers = configuration.readers.map { readerConfiguration in
            var readerLogger = Logger(label: LogLabels.smartmeter)
            readerLogger[metadataKey: "reader"] = "\(readerConfiguration.name)"
            return ReaderFactory.make(readerConfiguration, fanOut: fanOut, logger: readerLogger,
                                      statisticsInterval: interval, failed: readerFailed)
        }
        let pipeline = Pipeline(readers: readers, workers: workers, webFace: webFace, logger: logger)
        logger.info("running \(readers.count) reader(s) and \(workers.count) sink(s)")
        try await pipeline.serviceGroup(onSignals: true).run()
        logger.info("stopped")
        // A replayed file that could not be read is a failure, not "all input read".
        if readerFailed.isSet { throw CollectorFailure.inputUnreadable }
    }
}

/// Why the collector ends with exit status 1; the reason is logged when it is thrown.
package enum CollectorFailure: Error, Equatable {
    case sinkCannotStart
    case webFaceCannotStart
    case inputUnreadable
}

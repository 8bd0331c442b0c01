import ArgumentParser
import FoundationEssentials
import Glibc
import Logging
import Configuration
import Protocols
import ServiceLifecycle

/// Wires readers to sinks and runs them until a signal or until every reader has ended.
///
/// Services are listed sinks first and readers last: on SIGTERM/SIGINT the group stops them in reverse order, so the
/// readers stop first, then each sink writes what its queue holds and closes. Shutdown is bounded: past 1.5 s the
/// group cancels, and a sink stuck in a write is abandoned. The end of replayed files is not a shutdown: the
/// readers' service waits until every sink has written everything (see `ReadersService`).
struct Collector {
    let configuration: CollectorConfiguration
    let logger: Logger

    func run() async throws {
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
                throw ExitCode(1)
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
                throw ExitCode(1)
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

        var services = workers.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .ignore,
                                                           serviceName: $0.name)
        }
        if let webFace {
            services.append(.init(service: webFace, successTerminationBehavior: .ignore, serviceName: "http"))
        }
        services.append(.init(service: ReadersService(readers: readers, workers: workers, logger: logger),
                               successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "readers"))
        var groupConfiguration = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(1500)
        groupConfiguration.maximumCancellationDuration = .milliseconds(300)
        logger.info("running \(readers.count) reader(s) and \(workers.count) sink(s)")
        try await ServiceGroup(configuration: groupConfiguration).run()
        logger.info("stopped")
        // A replayed file that could not be read is a failure, not "all input read".
        if readerFailed.isSet { throw ExitCode(1) }
    }
}

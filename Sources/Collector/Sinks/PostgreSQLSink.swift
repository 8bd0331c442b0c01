import FoundationEssentials
import Glibc
import Logging
import Protocols

/// `type = postgresql` (alias `timescaledb`): stores readings in the Belgian P1 logger's tables (see `PremisesRows`,
/// `PremisesSchema`) through an on-disk spool, so that nothing is lost while the server is down or restarting and
/// nothing is stored twice (see `SpooledInserter`).
final class PostgreSQLSink: Sink {
    private let inserter: SpooledInserter
    private let logger: Logger
    private var drops: SpoolDropLog

    static let defaultBatchReadings = 500

    init(_ configuration: SinkConfiguration, logger: Logger) throws {
        self.logger = logger
        try PostgresConnection.loadClientLibrary()
        let options = configuration.options
        let settings = PostgresSettings(sink: configuration)
        for warning in settings.securityWarnings { logger.warning("\(warning)") }
        let spool = try SinkSpool.open(for: configuration, logger: logger)
        drops = SpoolDropLog(spool, logger: logger)
        let sinkLogger = logger
        inserter = SpooledInserter(
            settings: settings, spool: spool,
            batchReadings: options["batch_size"].flatMap { Int($0) } ?? Self.defaultBatchReadings
        ) { event in
            switch event {
            case .connected(let text): sinkLogger.info("\(text)")
            case .failed(let text): sinkLogger.warning("\(text)")
            }
        }
        inserter.timescale = TimescaleOptions(sink: configuration.type, options: options)
        inserter.start()
    }

    func write(_ readings: [Reading]) throws {
        defer {
            let now = inserter.statistics
            drops.update(dropped: now.droppedBecauseFull, droppedForSpace: now.droppedForSpace, diskFull: now.diskFull)
        }
        try inserter.submit(readings.map(PremisesRows.init))
    }

    /// Gives the server a second to take what is spooled; the rest stays spooled for the next start.
    func close() {
        inserter.close(waitingUpTo: 1.0)
        let left = inserter.statistics
        logger.info("stored \(left.committedReadings) readings (\(left.insertedRows) new rows)")
        if left.rejectedReadings > 0 {
            logger.warning("\(left.rejectedReadings) readings left out: the server cannot store them (see above)")
        }
        if left.pendingBytes > 0 {
            logger.info("\(left.pendingBytes) bytes stay spooled until the next start")
        }
        drops.finish(dropped: left.droppedBecauseFull, droppedForSpace: left.droppedForSpace)
    }
}

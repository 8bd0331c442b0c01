import FoundationEssentials
import Glibc
import Logging
import Configuration
import Protocols
import Delivery

/// `type = postgresql` (alias `timescaledb`): stores readings in the Belgian P1 logger's tables (see `PremisesRows`,
/// `PremisesSchema`) through an on-disk spool, so that nothing is lost while the server is down or restarting and
/// nothing is stored twice (see `SpooledInserter`). While the server takes readings, `write` waits when the spool
/// holds more than `spoolAhead` bytes, so that a replayed file goes no faster than the server and is not cut by
/// `spool_max_mb`; while the server is away, the spool takes everything (up to `spool_max_mb`). At the end of a
/// replay `finish` waits until the spool is empty, as long as the server keeps taking readings.
final class PostgreSQLSink: Sink, @unchecked Sendable {
    private let inserter: SpooledInserter
    private let logger: Logger
    private var drops: SpoolDropLog
    private let spoolAhead: Int
    private let interrupted = StopFlag()

    /// How long `finish` waits while the server stores nothing before it leaves the rest spooled.
    static let finishPatience = 30.0
    /// The same while the server is not even connected (down, refusing the login): the first attempt has had time.
    static let unreachablePatience = 5.0

    init(sink name: String, _ configuration: PostgresSinkSettings, logger: Logger) throws {
        self.logger = logger
        try PostgresConnection.loadClientLibrary()
        let settings = configuration.connection
        for warning in settings.securityWarnings { logger.warning("\(warning)") }
        let spool = try SinkSpool.open(configuration.spool, sink: name, logger: logger)
        spoolAhead = min(spool.maximumBytes / 2, 32 << 20)
        drops = SpoolDropLog(spool, logger: logger)
        let sinkLogger = logger
        inserter = SpooledInserter(
            settings: settings, spool: spool,
            batchReadings: configuration.batchReadings
        ) { event in
            switch event {
            case .connected(let text): sinkLogger.info("\(text)")
            case .unreachable(let text), .refused(let text), .requestFailed(let text), .setupWarning(let text),
                 .spoolFailed(let text):
                sinkLogger.warning("\(text)")
            }
        }
        inserter.timescale = configuration.timescale
        inserter.start()
    }

    var health: SinkHealth? {
        let now = inserter.statistics
        return SinkHealth(connected: now.connected, failure: now.connected ? nil : now.failure ?? "connecting",
                          spooledBytes: now.pendingBytes, spoolDropped: now.droppedBecauseFull + now.rejectedReadings)
    }

    func write(_ readings: [Reading]) throws {
        defer {
            let now = inserter.statistics
            drops.update(dropped: now.droppedBecauseFull, droppedForSpace: now.droppedForSpace, diskFull: now.diskFull)
        }
        waitForServer(untilPendingBelow: spoolAhead)
        try inserter.submit(readings.map(PremisesRows.init))
    }

    func finish() {
        let pending = inserter.statistics.pendingBytes
        guard pending > 0 else { return }
        logger.info("end of input: waiting until the server has stored the \(pending) spooled bytes")
        if !waitForServer(untilPendingBelow: 1) && !interrupted.isSet {
            logger.warning("the server stored nothing at the end of the input; the rest stays spooled for the next start")
        }
    }

    func interrupt() {
        interrupted.set()
    }

    /// Waits while the spool holds `bytes` or more and the server keeps taking readings (progress within
    /// `finishPatience`); false when it gave up for lack of progress.
    @discardableResult
    private func waitForServer(untilPendingBelow bytes: Int) -> Bool {
        let start = inserter.statistics
        var committed = start.committedReadings + start.rejectedReadings
        var lastProgress = monotonicSeconds()
        var now = start
        while !interrupted.isSet {
            if now.pendingBytes < bytes { return true }
            let moved = now.committedReadings + now.rejectedReadings
            if moved != committed {
                committed = moved
                lastProgress = monotonicSeconds()
            } else if !now.connected && bytes > 1 {
                return true  // the server is away: the spool takes the readings
            } else if !now.connected && monotonicSeconds() - lastProgress > Self.unreachablePatience {
                return false  // at the end of a replay: no server within a few seconds, the spool keeps the rest
            } else if monotonicSeconds() - lastProgress > Self.finishPatience {
                return false
            }
            // Woken by every committed batch and connection change; a quarter of a second at most, to notice an
            // interrupt and the patience running out.
            let (seen, wasConnected) = (committed, now.connected)
            now = inserter.statistics(waitingUpTo: .milliseconds(250)) {
                $0.pendingBytes < bytes || $0.committedReadings + $0.rejectedReadings != seen || $0.connected != wasConnected
            }
        }
        return true
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

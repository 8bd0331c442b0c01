import Glibc
import SystemSupport

/// Stores rows in PostgreSQL through a disk spool so that nothing is lost while the server is down or restarting:
/// every reading's rows are first appended to the spool (durably), inserted by a thread of its own in batches, and
/// acknowledged in the spool only after COMMIT. A batch cut off by a failure is sent again after the reconnect;
/// `ON CONFLICT DO NOTHING` makes that replay harmless, so every row is stored exactly once. A reading the server
/// cannot take (see `PremisesBatch`) is left out and counted, and the rest of its batch stored; every other failure
/// keeps the batch spooled and is retried after a reconnect.
public final class SpooledInserter: @unchecked Sendable {
    public struct Statistics: Sendable, Equatable {
        /// Readings committed (including replays whose rows were already there).
        public var committedReadings = 0
        /// Rows the server added.
        public var insertedRows = 0
        public var pendingBytes = 0
        /// Readings dropped because the spool or its disk was full.
        public var droppedBecauseFull = 0
        /// Of those, dropped because the disk was full; `diskFull` while the last append had to make room.
        public var droppedForSpace = 0
        public var diskFull = false
        /// Readings left out because the server cannot take them (checked before the insert, or refused by the
        /// server as a data error when inserted alone); the other readings of their batch are stored.
        public var rejectedReadings = 0
        public var connected = false
        /// Why the server cannot be reached, since the last connection; nil while connected or still trying the
        /// first time.
        public var failure: String?
    }

    public typealias Event = DeliveryEvent

    public let settings: PostgresSettings
    public let batchReadings: Int
    private let spool: DiskSpool
    private let report: @Sendable (Event) -> Void
    private let condition = ConditionLock()
    private var statistics_ = Statistics()
    private var stopping = false
    private var stopDeadline: MonotonicClock.Instant?
    /// No connection attempt before this (after a failure, from `settings.retry`).
    private var retryAt: MonotonicClock.Instant?
    private var backoff: Backoff
    private let clock: MonotonicClock
    private var finished = false
    private var started = false
    private var lastFailure: String?
    /// Kinds of refusal already logged: each is logged once, then only counted.
    private var reportedRefusals: Set<String> = []
    /// What a `timescaledb` sink asks of TimescaleDB (see `PremisesSchema.ensure(on:timescale:)`); set before `start()`.
    public var timescale = TimescaleOptions.hypertablesOnly
    /// Setup warnings already logged (TimescaleDB not preloaded): each once, not at every reconnection.
    private var reportedWarnings: Set<String> = []

    /// `clock` measures the retry delays and the stop deadline (a test's clock; the monotonic one otherwise).
    public init(settings: PostgresSettings, spool: DiskSpool, batchReadings: Int = 500, clock: MonotonicClock = .system,
                report: @escaping @Sendable (Event) -> Void) {
        self.settings = settings
        self.clock = clock
        backoff = Backoff(settings.retry)
        self.spool = spool
        self.batchReadings = max(1, batchReadings)
        self.report = report
    }

    public func start() {
        condition.withLock { started = true }
        startDetachedThread(name: "postgresql") { [self] in run() }
    }

    /// Appends the rows to the spool (one record per reading, one fdatasync) and wakes the inserting thread.
    public func submit(_ readings: [PremisesRows]) throws(DiskSpool.Failure) {
        let records = readings.filter { !$0.isEmpty }.map(\.spoolRecord)
        guard !records.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        try spool.append(records)
        condition.signal()
    }

    public var statistics: Statistics {
        condition.withLock {
            var copy = statistics_
            copy.pendingBytes = spool.pendingBytes
            copy.droppedBecauseFull = spool.droppedRecords
            copy.droppedForSpace = spool.droppedForSpace
            copy.diskFull = spool.diskFull
            copy.failure = lastFailure
            return copy
        }
    }

    /// Lets the thread insert what the spool holds for up to `seconds` while the server answers, then stops it;
    /// the rest stays spooled for the next start.
    public func close(waitingUpTo seconds: Double) {
        condition.lock()
        stopping = true
        stopDeadline = clock.deadline(after: .seconds(seconds))
        condition.broadcast()
        let giveUp = clock.deadline(after: .seconds(seconds + 2))
        while !finished, started, clock.now < giveUp { _ = condition.wait(until: giveUp, clock: clock) }
        // The head of what was committed reaches the disk now, not a second later (the process may be exiting).
        do { try spool.flush() } catch { report(.spoolFailed("spool: \(error)")) }
        condition.unlock()
    }

    // MARK: the inserting thread

    /// A failure's retry delay has not passed yet (the lock held).
    private var waitingToRetry: Bool { retryAt.map { clock.now < $0 } ?? false }

    private func run() {
        var connection: PostgresConnection?
        defer {
            connection?.close()
            condition.withLock {
                finished = true
                statistics_.connected = false
                condition.broadcast()
            }
        }
        while true {
            condition.lock()
            // Connect at once (so a wrong setting shows at start), then whenever the spool holds readings.
            while !stopping, waitingToRetry || (connection != nil && spool.isEmpty) {
                _ = condition.wait(until: waitingToRetry ? retryAt! : clock.deadline(after: .seconds(60)), clock: clock)
            }
            if stopping, spool.isEmpty || stopDeadline.map({ clock.now >= $0 }) ?? false || waitingToRetry {
                condition.unlock()
                return
            }
            var batch: [PremisesRows] = []
            var offset = spool.head
            var readings = 0
            while readings < batchReadings, let (record, next) = spool.record(at: offset) {
                if let decoded = PremisesRows(spoolRecord: record) { batch.append(decoded) }
                offset = next
                readings += 1
            }
            condition.unlock()

            do {
                if connection == nil {
                    let fresh = try settings.connect()
                    connection = fresh
                    let setup = try PremisesSchema.ensure(on: fresh, timescale: timescale)
                    condition.withLock {
                        statistics_.connected = true
                        lastFailure = nil
                    }
                    report(.connected("connected to \(settings.address) (PostgreSQL \(fresh.serverVersion)), \(setup.summary)"))
                    if let warning = setup.warning, reportedWarnings.insert(warning).inserted { report(.setupWarning(warning)) }
                }
                guard readings > 0 else { continue }
                let outcome = try PremisesBatch.insert(batch, on: connection!)
                try acknowledge(upTo: offset) {
                    $0.committedReadings += readings - outcome.refused.count
                    $0.insertedRows += outcome.addedRows
                    $0.rejectedReadings += outcome.refused.count
                }
                reportOnce(outcome.refused.map(\.refusal))
                backoff.reset()
            } catch let failure as PostgresConnection.Failure {
                // Connection lost, or refused for a reason that is not in the data (permission, disk full, a table
                // gone): nothing is skipped; the batch stays spooled and the next connection sets the tables up again.
                connection?.close()
                connection = nil
                // `statistics` reads lastFailure from other threads (the web face): written under the lock.
                let delay = backoff.nextDelay()
                let isNew = condition.withLock {
                    statistics_.connected = false
                    retryAt = clock.now.advanced(by: delay)
                    guard failure.description != lastFailure else { return false }
                    lastFailure = failure.description
                    return true
                }
                if isNew {
                    report(.unreachable("\(settings.address): \(failure.description); retrying in \(Int(delay.seconds.rounded(.up))) s, then at longer intervals up to \(Int(backoff.policy.maximum.seconds)) s; readings wait in the spool"))
                }
            } catch {
                report(.spoolFailed("spool: \(error)"))
                let delay = backoff.nextDelay()
                condition.withLock { retryAt = clock.now.advanced(by: delay) }
            }
        }
    }

    /// Logs the first reading refused for each kind of reason; later ones are only counted.
    private func reportOnce(_ refusals: [PremisesBatch.Refusal]) {
        for refusal in refusals where !reportedRefusals.contains(refusal.kind) {
            reportedRefusals.insert(refusal.kind)
            report(.refused("a reading was left out, the rest of its batch stored: \(refusal); "
                           + "readings left out for this reason are only counted from now on"))
        }
    }

    private func acknowledge(upTo offset: DiskSpool.Offset, _ update: (inout Statistics) -> Void) throws {
        condition.lock()
        defer { condition.unlock() }
        try spool.acknowledge(upTo: offset)
        update(&statistics_)
    }
}

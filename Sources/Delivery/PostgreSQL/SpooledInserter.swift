import Glibc
import SystemSupport

/// Stores rows in PostgreSQL through a disk spool so that nothing is lost while the server is down or restarting:
/// every reading's rows are first appended to the spool (durably), inserted by threads of their own in batches, and
/// acknowledged in the spool only after COMMIT. A batch cut off by a failure is sent again after the reconnect;
/// `ON CONFLICT DO NOTHING` makes that replay harmless, so every row is stored exactly once. A reading the server
/// cannot take (see `PremisesBatch`) is left out and counted, and the rest of its batch stored; every other failure
/// keeps the batch spooled and is retried after a reconnect.
///
/// While readings wait (a replayed file, the backlog after an outage), up to `connections` threads insert batches
/// side by side, each on its own connection: the server copies one batch while the next is read from the spool and
/// copied on the other connection. A meter sending a reading a second keeps one connection: the second takes a batch
/// only while the first is busy. Batches are claimed in spool order and the spool's head passes a batch only when it
/// and every batch before it are committed, so a crash or a lost connection replays (harmlessly) rather than skips.
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
    /// Connections (and threads) inserting at most at once.
    public let connections: Int
    private let spool: DiskSpool
    private let report: @Sendable (Event) -> Void
    private let condition = ConditionLock()
    /// Tables are set up by one connection at a time (two `CREATE TABLE IF NOT EXISTS` at once can collide).
    private let schemaLock = ConditionLock()
    private var statistics_ = Statistics()
    private var stopping = false
    private var stopDeadline: MonotonicClock.Instant?
    private let clock: MonotonicClock
    private var started = false
    private var running = 0
    private var liveConnections = 0
    private var lastFailure: String?
    /// Spool ranges being inserted (start -> end), ranges given back by a failed insert (retried first), and where
    /// the next batch starts.
    private var inFlight: [DiskSpool.Offset: DiskSpool.Offset] = [:]
    private var givenBack: [Claim] = []
    private var claimedUpTo: DiskSpool.Offset = 0
    /// Kinds of refusal already logged: each is logged once, then only counted.
    private var reportedRefusals: Set<String> = []
    /// What a `timescaledb` sink asks of TimescaleDB (see `PremisesSchema.ensure(on:timescale:)`); set before `start()`.
    public var timescale = TimescaleOptions.hypertablesOnly
    /// Setup warnings already logged (TimescaleDB not preloaded): each once, not at every reconnection.
    private var reportedWarnings: Set<String> = []

    /// `clock` measures the retry delays and the stop deadline (a test's clock; the monotonic one otherwise).
    public init(settings: PostgresSettings, spool: DiskSpool, batchReadings: Int = 500, connections: Int = 2,
                clock: MonotonicClock = .system, report: @escaping @Sendable (Event) -> Void) {
        self.settings = settings
        self.clock = clock
        self.spool = spool
        self.batchReadings = max(1, batchReadings)
        self.connections = max(1, connections)
        self.report = report
    }

    public func start() {
        condition.withLock {
            started = true
            running = connections
            claimedUpTo = spool.head
        }
        for worker in 0..<connections {
            startDetachedThread(name: worker == 0 ? "postgresql" : "postgresql-\(worker + 1)") { [self] in run(worker: worker) }
        }
    }

    /// Appends the rows to the spool (one record per reading, one fdatasync) and wakes the inserting threads.
    public func submit(_ readings: [PremisesRows]) throws(DiskSpool.Failure) {
        let records = readings.filter { !$0.isEmpty }.map(\.spoolRecord)
        guard !records.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        try spool.append(records)
        condition.broadcast()
    }

    public var statistics: Statistics { condition.withLock { snapshot } }

    /// The statistics once `done` holds for them, or when `timeout` has passed: for a sink waiting for the spool to
    /// drain, woken by each committed batch and connection change instead of polling.
    public func statistics(waitingUpTo timeout: Duration, until done: (Statistics) -> Bool) -> Statistics {
        condition.withLock { condition.wait(upTo: timeout, clock: clock, reading: { snapshot }, until: done) }
    }

    /// The lock held.
    private var snapshot: Statistics {
        var copy = statistics_
        copy.pendingBytes = spool.pendingBytes
        copy.droppedBecauseFull = spool.droppedRecords
        copy.droppedForSpace = spool.droppedForSpace
        copy.diskFull = spool.diskFull
        copy.failure = lastFailure
        copy.connected = liveConnections > 0
        return copy
    }

    /// Lets the threads insert what the spool holds for up to `seconds` while the server answers, then stops them;
    /// the rest stays spooled for the next start.
    public func close(waitingUpTo seconds: Double) {
        condition.lock()
        stopping = true
        stopDeadline = clock.deadline(after: .seconds(seconds))
        condition.broadcast()
        let giveUp = clock.deadline(after: .seconds(seconds + 2))
        while running > 0, started, clock.now < giveUp { _ = condition.wait(until: giveUp, clock: clock) }
        // The head of what was committed reaches the disk now, not a second later (the process may be exiting).
        do { try spool.flush() } catch { report(.spoolFailed("spool: \(error)")) }
        condition.unlock()
    }

    // MARK: the inserting threads

    /// A batch taken from the spool: its range and its readings' rows.
    private struct Claim {
        var start: DiskSpool.Offset
        var end: DiskSpool.Offset
        var batch: [PremisesRows] = []
        var readings = 0
    }

    private func run(worker: Int) {
        var connection: PostgresConnection?
        var backoff = Backoff(settings.retry)
        /// No connection attempt before this (after a failure, from `settings.retry`).
        var retryAt: MonotonicClock.Instant?
        /// `connection` is set up and counted in `liveConnections`.
        var counted = false
        defer {
            connection?.close()
            condition.withLock {
                if counted { liveConnections -= 1 }
                running -= 1
                condition.broadcast()
            }
        }
        while true {
            condition.lock()
            var claim: Claim?
            while true {
                let now = clock.now
                let waitingToRetry = retryAt.map { now < $0 } ?? false
                if stopping && (stopDeadline.map { now >= $0 } ?? false || waitingToRetry) { break }
                if let retryAt, waitingToRetry {
                    _ = condition.wait(until: retryAt, clock: clock)
                    continue
                }
                claim = take(worker: worker)
                // The first thread connects at once, so that a wrong setting shows at start, and keeps trying while
                // the server is away; the others connect when they have a batch to insert.
                if claim != nil || stopping || (connection == nil && worker == 0) { break }
                _ = condition.wait(until: clock.deadline(after: .seconds(60)), clock: clock)
            }
            condition.unlock()
            guard claim != nil || (!stopping && connection == nil) else { return }

            do {
                if connection == nil {
                    let fresh = try settings.connect()
                    connection = fresh
                    let setup = try schemaLock.withLock { () throws(PostgresConnection.Failure) in
                        try PremisesSchema.ensure(on: fresh, timescale: timescale)
                    }
                    let (first, newWarning) = condition.withLock {
                        defer { condition.broadcast() }
                        liveConnections += 1
                        counted = true
                        lastFailure = nil
                        return (liveConnections == 1, setup.warning.map { reportedWarnings.insert($0).inserted } ?? false)
                    }
                    if first {
                        report(.connected("connected to \(settings.address) (PostgreSQL \(fresh.serverVersion)), \(setup.summary)"))
                    }
                    if newWarning, let warning = setup.warning { report(.setupWarning(warning)) }
                }
                guard let taken = claim else { continue }
                let outcome = try PremisesBatch.insert(taken.batch, on: connection!)
                let refusals = try finish(taken) {
                    $0.committedReadings += taken.readings - outcome.refused.count
                    $0.insertedRows += outcome.addedRows
                    $0.rejectedReadings += outcome.refused.count
                } refusals: { outcome.refused.map(\.refusal) }
                for refusal in refusals {
                    report(.refused("a reading was left out, the rest of its batch stored: \(refusal); "
                                   + "readings left out for this reason are only counted from now on"))
                }
                backoff.reset()
            } catch let failure as PostgresConnection.Failure {
                // Connection lost, or refused for a reason that is not in the data (permission, disk full, a table
                // gone): nothing is skipped; the batch goes back to be sent again, and the next connection sets the
                // tables up again.
                connection?.close()
                let delay = backoff.nextDelay()
                retryAt = clock.now.advanced(by: delay)
                // `statistics` reads lastFailure from other threads (the web face): written under the lock.
                let isNew = condition.withLock {
                    if counted { liveConnections -= 1 }
                    counted = false
                    if let claim { giveBack(claim) }
                    condition.broadcast()
                    guard failure.description != lastFailure else { return false }
                    lastFailure = failure.description
                    return true
                }
                connection = nil
                if isNew {
                    report(.unreachable("\(settings.address): \(failure.description); retrying in \(Int(delay.seconds.rounded(.up))) s, then at longer intervals up to \(Int(backoff.policy.maximum.seconds)) s; readings wait in the spool"))
                }
            } catch {
                // The spool could not record the delivery: the rows are committed, the head stays behind them (a later
                // acknowledgement passes them, or the next start replays them harmlessly).
                report(.spoolFailed("spool: \(error)"))
                retryAt = clock.now.advanced(by: backoff.nextDelay())
            }
        }
    }

    /// The next batch for `worker` (the lock held): a range given back by a failed insert, else the readings after
    /// the last claim; nil when there is none. Threads after the first take a batch only while another is inserting.
    private func take(worker: Int) -> Claim? {
        let head = spool.head
        givenBack = givenBack.compactMap { claim in
            claim.end <= head ? nil : Claim(start: max(claim.start, head), end: claim.end)
        }
        let retry = givenBack.isEmpty ? nil : givenBack.removeFirst()
        guard retry != nil || worker == 0 || !inFlight.isEmpty else { return nil }
        let start = retry?.start ?? max(claimedUpTo, head)
        let (payloads, next) = spool.records(from: start, before: retry?.end, limit: retry == nil ? batchReadings : Int.max)
        guard !payloads.isEmpty else { return nil }
        if retry == nil { claimedUpTo = next }
        let claim = Claim(start: start, end: retry?.end ?? next, batch: payloads.compactMap(PremisesRows.init(spoolRecord:)),
                          readings: payloads.count)
        inFlight[claim.start] = claim.end
        condition.broadcast()
        return claim
    }

    /// A failed batch goes back, in spool order, to be sent again (the lock held).
    private func giveBack(_ claim: Claim) {
        inFlight[claim.start] = nil
        givenBack.append(Claim(start: claim.start, end: claim.end))
        givenBack.sort { $0.start < $1.start }
    }

    /// Records a committed batch: statistics, refusals to log (each kind once), and the spool's head moved past
    /// every batch committed without a gap before it.
    private func finish(_ claim: Claim, _ update: (inout Statistics) -> Void,
                        refusals: () -> [PremisesBatch.Refusal]) throws -> [PremisesBatch.Refusal] {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        inFlight[claim.start] = nil
        update(&statistics_)
        let fresh = refusals().filter { reportedRefusals.insert($0.kind).inserted }
        let unfinished = (Array(inFlight.keys) + givenBack.map(\.start)).min() ?? claimedUpTo
        try spool.acknowledge(upTo: min(unfinished, claimedUpTo))
        return fresh
    }
}

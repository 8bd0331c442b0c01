import FoundationEssentials
import Glibc

/// Stores rows in PostgreSQL through a disk spool so that nothing is lost while the server is down or restarting:
/// every reading's rows are first appended to the spool (durably), inserted by a thread of its own in batches, and
/// acknowledged in the spool only after COMMIT. A batch cut off by a failure is sent again after the reconnect;
/// `ON CONFLICT DO NOTHING` makes that replay harmless, so every row is stored exactly once.
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
        /// Readings the server refused as data errors (skipped so they do not block the spool).
        public var rejectedReadings = 0
        public var connected = false
    }

    public enum Event: Sendable {
        case connected(String)
        case failed(String)
    }

    public let settings: PostgresSettings
    public let batchReadings: Int
    private let spool: DiskSpool
    private let report: @Sendable (Event) -> Void
    private let condition = ConditionLock()
    private var statistics_ = Statistics()
    private var stopping = false
    private var stopDeadline = Date.distantFuture
    private var retryAt = Date.distantPast
    private var backoff = 1.0
    private var finished = false
    private var started = false
    private var lastFailure: String?

    public init(settings: PostgresSettings, spool: DiskSpool, batchReadings: Int = 500,
                report: @escaping @Sendable (Event) -> Void) {
        self.settings = settings
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
            return copy
        }
    }

    /// Lets the thread insert what the spool holds for up to `seconds` while the server answers, then stops it;
    /// the rest stays spooled for the next start.
    public func close(waitingUpTo seconds: Double) {
        condition.lock()
        stopping = true
        stopDeadline = Date().addingTimeInterval(seconds)
        condition.broadcast()
        let giveUp = Date().addingTimeInterval(seconds + 2)
        while !finished, started, Date() < giveUp { _ = condition.wait(until: giveUp) }
        // The head of what was committed reaches the disk now, not a second later (the process may be exiting).
        do { try spool.flush() } catch { report(.failed("spool: \(error)")) }
        condition.unlock()
    }

    // MARK: the inserting thread

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
            while !stopping, Date() < retryAt || (connection != nil && spool.isEmpty) {
                _ = condition.wait(until: Date() < retryAt ? retryAt : Date().addingTimeInterval(60))
            }
            if stopping, spool.isEmpty || Date() >= stopDeadline || Date() < retryAt {
                condition.unlock()
                return
            }
            var rows = PremisesRows()
            var offset = spool.head
            var readings = 0
            while readings < batchReadings, let (record, next) = spool.record(at: offset) {
                if let decoded = PremisesRows(spoolRecord: record) { rows.append(decoded) }
                offset = next
                readings += 1
            }
            condition.unlock()

            do {
                if connection == nil {
                    let fresh = try settings.connect()
                    connection = fresh
                    let schema = try PremisesSchema.ensure(on: fresh)
                    condition.withLock { statistics_.connected = true }
                    lastFailure = nil
                    report(.connected("connected to \(settings.address) (PostgreSQL \(fresh.serverVersion)), \(schema)"))
                }
                guard readings > 0 else { continue }
                let added = try PremisesSchema.insert(rows, on: connection!)
                try acknowledge(upTo: offset) { $0.committedReadings += readings; $0.insertedRows += added }
                backoff = 1
            } catch let failure as PostgresConnection.Failure where failure.connectionLost || connection == nil {
                connection?.close()
                connection = nil
                condition.withLock {
                    statistics_.connected = false
                    retryAt = Date().addingTimeInterval(backoff)
                }
                if failure.description != lastFailure {
                    lastFailure = failure.description
                    report(.failed("\(settings.address): \(failure.description); retrying every \(Int(backoff)) s up to 30 s, readings wait in the spool"))
                }
                backoff = min(backoff * 2, 30)
            } catch let failure as PostgresConnection.Failure {
                // The server refused the data itself: retrying cannot help, and the spool must not stall on it.
                report(.failed("\(readings) readings refused and skipped: \(failure.description)"))
                try? acknowledge(upTo: offset) { $0.rejectedReadings += readings }
            } catch {
                report(.failed("spool: \(error)"))
                condition.withLock { retryAt = Date().addingTimeInterval(backoff) }
            }
        }
    }

    private func acknowledge(upTo offset: DiskSpool.Offset, _ update: (inout Statistics) -> Void) throws {
        condition.lock()
        defer { condition.unlock() }
        try spool.acknowledge(upTo: offset)
        update(&statistics_)
    }
}

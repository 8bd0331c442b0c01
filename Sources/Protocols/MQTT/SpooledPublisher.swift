import FoundationEssentials
import Glibc

/// Publishes through a disk spool so that nothing is lost while the broker is away: every message is first
/// appended to the spool, sent when connected, and removed only after the broker acknowledged it (QoS 1/2) or
/// libmosquitto handed it to the socket (QoS 0). After a reconnect or a restart, sending resumes at the oldest
/// unacknowledged message, in order (QoS 1 may then deliver a message twice, never skip one).
public final class SpooledPublisher: @unchecked Sendable {
    public struct Statistics: Sendable, Equatable {
        public var acknowledged = 0
        public var pendingBytes = 0
        /// Records dropped because the spool or its disk was full.
        public var droppedBecauseFull = 0
        /// Of those, dropped because the disk was full; `diskFull` while the last append had to make room.
        public var droppedForSpace = 0
        public var diskFull = false
        public var connected = false
        /// Why the broker cannot be reached, since the last connection; nil while connected or still trying the
        /// first time.
        public var failure: String?
    }

    public let qos: Int
    public let retain: Bool
    /// Messages sent and not yet acknowledged, at most.
    public let window: Int
    private let spool: DiskSpool
    private var client: MQTTClient!
    private let lock = ConditionLock(recursive: true)
    private let report: @Sendable (String) -> Void
    private var connected = false
    private var sendCursor: DiskSpool.Offset
    private var inflight: [(messageID: Int32, end: DiskSpool.Offset, acknowledged: Bool)] = []
    private var acknowledged = 0
    private var lastFailure: String?

    /// `report` receives connection changes and failures (each distinct failure once until the next connect).
    public init(settings: MQTTSettings, spool: DiskSpool, qos: Int, retain: Bool, window: Int = 100,
                report: @escaping @Sendable (String) -> Void) throws(MQTTClient.Failure) {
        self.spool = spool
        self.qos = qos
        self.retain = retain
        self.window = window
        self.report = report
        sendCursor = spool.head
        client = try MQTTClient(settings: settings) { [unowned self] event in self.handle(event) }
    }

    public func start() throws(MQTTClient.Failure) {
        try client.start()
    }

    /// Appends the messages to the spool (durably) and sends what the window allows.
    public func submit(_ messages: [MQTTMessage]) throws(DiskSpool.Failure) {
        lock.lock()
        defer { lock.unlock() }
        try spool.append(messages.map(\.spoolRecord))
        if sendCursor < spool.head { sendCursor = spool.head }   // the bound dropped what we were about to send
        pump()
    }

    public var statistics: Statistics {
        lock.withLock {
            Statistics(acknowledged: acknowledged, pendingBytes: spool.pendingBytes,
                       droppedBecauseFull: spool.droppedRecords, droppedForSpace: spool.droppedForSpace,
                       diskFull: spool.diskFull, connected: connected, failure: lastFailure)
        }
    }

    /// Disconnects; what was not acknowledged stays in the spool for the next start.
    public func close() {
        client.close()
        lock.withLock {
            do { try spool.flush() } catch { report("spool: \(error)") }
        }
    }

    private func handle(_ event: MQTTClient.Event) {
        lock.withLock {
            switch event {
            case .connected:
                connected = true
                lastFailure = nil
                // Resend everything not acknowledged, oldest first.
                inflight.removeAll()
                sendCursor = spool.head
                report("connected to \(client.settings.address)")
                pump()
            case .connectionFailed(let reason), .disconnected(let reason):
                let wasConnected = connected
                connected = false
                if reason != lastFailure || wasConnected {
                    lastFailure = reason
                    report(reason)
                }
            case .published(let messageID):
                guard let index = inflight.firstIndex(where: { $0.messageID == messageID }) else { return }
                inflight[index].acknowledged = true
                var deliveredUpTo: DiskSpool.Offset? = nil
                while let first = inflight.first, first.acknowledged {
                    deliveredUpTo = first.end
                    inflight.removeFirst()
                    acknowledged += 1
                }
                if let deliveredUpTo {
                    do {
                        try spool.acknowledge(upTo: deliveredUpTo)
                    } catch {
                        report("spool: \(error)")
                    }
                    if sendCursor < spool.head { sendCursor = spool.head }
                }
                pump()
            case .message:
                break
            }
        }
    }

    /// Sends spooled messages while connected and the window has room. Called with the lock held.
    private func pump() {
        while connected, inflight.count < window, let (record, next) = spool.record(at: sendCursor) {
            guard let message = MQTTMessage(spoolRecord: record) else {
                sendCursor = next
                continue
            }
            do {
                let id = try client.publish(topic: message.topic, payload: message.payload, qos: qos, retain: retain)
                inflight.append((id, next, false))
                sendCursor = next
            } catch {
                // Not connected after all, or the packet was refused: retry after the next connect.
                report("publish: \(error)")
                return
            }
        }
    }
}

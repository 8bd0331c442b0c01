import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// Publishes through a disk spool so that nothing is lost while the broker is away: every message is first
/// appended to the spool, sent when connected, and removed only after the broker acknowledged it (QoS 1/2) or
/// libmosquitto handed it to the socket (QoS 0). After a reconnect or a restart, sending resumes at the oldest
/// unacknowledged message, in order (QoS 1 may then deliver a message twice, never skip one).
///
/// A message that can never be published (libmosquitto refuses its topic or size, or an MQTT 5 broker acknowledges
/// it with a failure reason) is dropped from the spool and counted, its reason reported once; the messages behind it
/// go on. A connection that is down keeps every message.
///
/// Announcements (Home Assistant discovery) are retained messages kept in memory, not in the spool: the latest one
/// per topic is sent at every connect, before the spool, and again whenever `announceAgain` says so about a message
/// on one of `subscriptions` (Home Assistant's birth message).
public final class SpooledPublisher: @unchecked Sendable {
    public struct Statistics: Sendable, Equatable {
        public var acknowledged = 0
        public var pendingBytes = 0
        /// Records dropped because the spool or its disk was full.
        public var droppedBecauseFull = 0
        /// Of those, dropped because the disk was full; `diskFull` while the last append had to make room.
        public var droppedForSpace = 0
        public var diskFull = false
        /// Messages dropped because they can never be published (see the type's comment).
        public var refused = 0
        public var connected = false
        /// Why the broker cannot be reached, since the last connection; nil while connected or still trying the
        /// first time.
        public var failure: String?
        /// Announcements sent on this connection and not yet acknowledged (see `announcementsPending`).
        public var announcementsPending = 0
    }

    public let qos: Int
    public let retain: Bool
    /// Messages sent and not yet acknowledged, at most.
    public let window: Int
    private let spool: DiskSpool
    private var client: MQTTClient!
    private let lock = ConditionLock(recursive: true)
    private let report: @Sendable (DeliveryEvent) -> Void
    private var connected = false
    private var sendCursor: DiskSpool.Offset
    private var inflight: [(messageID: Int32, end: DiskSpool.Offset, acknowledged: Bool)] = []
    private var acknowledged = 0
    private var refused = 0
    /// The reasons of refused messages reported so far (each once).
    private var refusalReasons: Set<String> = []
    private var lastFailure: String?
    private let subscriptions: [String]
    private let announceAgain: @Sendable (_ topic: String, _ payload: [UInt8]) -> Bool
    /// The latest announcement per topic, in the order their topics first came.
    private var announcements: [MQTTMessage] = []

    /// `report` receives connection changes and failures (each distinct failure once until the next connect).
    public init(settings: MQTTSettings, spool: DiskSpool, qos: Int, retain: Bool, window: Int = 100,
                subscriptions: [String] = [],
                announceAgain: @escaping @Sendable (_ topic: String, _ payload: [UInt8]) -> Bool = { _, _ in false },
                report: @escaping @Sendable (DeliveryEvent) -> Void) throws(MQTTClient.Failure) {
        self.subscriptions = subscriptions
        self.announceAgain = announceAgain
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

    /// Keeps these announcements (replacing earlier ones on the same topics) and sends them now when connected.
    public func announce(_ messages: [MQTTMessage]) {
        lock.withLock {
            for message in messages {
                if let index = announcements.firstIndex(where: { $0.topic == message.topic }) {
                    announcements[index] = message
                } else {
                    announcements.append(message)
                }
            }
            if connected { send(messages) }
        }
    }

    /// Announcements sent on this connection and not yet acknowledged by the broker (a sink that closes waits a
    /// moment for them, e.g. its meters' `offline`).
    public var announcementsPending: Int { lock.withLock { unacknowledgedAnnouncements.count } }
    private var unacknowledgedAnnouncements: Set<Int32> = []

    /// Announcements sent so far (each resend counts), for tests and statistics.
    public var announcementsSent: Int { lock.withLock { announcementsSentCount } }
    private var announcementsSentCount = 0

    /// Sends announcements retained with QoS 1, outside the spool. Lock held.
    private func send(_ messages: [MQTTMessage]) {
        for message in messages {
            do {
                let id = try client.publish(topic: message.topic, payload: message.payload, qos: 1, retain: true)
                unacknowledgedAnnouncements.insert(id)
                announcementsSentCount += 1
            } catch {
                report(.requestFailed("announce on \(message.topic): \(error)"))
                return
            }
        }
    }

    public var statistics: Statistics { lock.withLock { snapshot } }

    /// The statistics once `done` holds for them, or when `timeout` has passed: for a sink waiting for the spool to
    /// drain, woken by each acknowledgement and connection change instead of polling.
    public func statistics(waitingUpTo timeout: Duration, until done: (Statistics) -> Bool) -> Statistics {
        lock.withLock { lock.wait(upTo: timeout, reading: { snapshot }, until: done) }
    }

    /// Lock held.
    private var snapshot: Statistics {
        Statistics(acknowledged: acknowledged, pendingBytes: spool.pendingBytes,
                   droppedBecauseFull: spool.droppedRecords, droppedForSpace: spool.droppedForSpace,
                   diskFull: spool.diskFull, refused: refused, connected: connected, failure: lastFailure,
                   announcementsPending: unacknowledgedAnnouncements.count)
    }

    /// Disconnects; what was not acknowledged stays in the spool for the next start.
    public func close() {
        client.close()
        lock.withLock {
            do { try spool.flush() } catch { report(.spoolFailed("spool: \(error)")) }
        }
    }

    private func handle(_ event: MQTTClient.Event) {
        lock.withLock {
            // Whoever waits in `statistics(waitingUpTo:until:)` looks again.
            defer { lock.broadcast() }
            switch event {
            case .connected:
                connected = true
                lastFailure = nil
                unacknowledgedAnnouncements.removeAll()
                // Resend everything not acknowledged, oldest first.
                inflight.removeAll()
                sendCursor = spool.head
                report(.connected("connected to \(client.settings.address)"))
                for topic in subscriptions {
                    do { try client.subscribe(topic, qos: 1) } catch { report(.requestFailed("\(error)")) }
                }
                send(announcements)
                pump()
            case .connectionFailed(let reason), .disconnected(let reason):
                let wasConnected = connected
                connected = false
                if reason != lastFailure || wasConnected {
                    lastFailure = reason
                    report(.unreachable(reason))
                }
            case .published(let messageID):
                if unacknowledgedAnnouncements.remove(messageID) != nil { return }
                guard let index = inflight.firstIndex(where: { $0.messageID == messageID }) else { return }
                inflight[index].acknowledged = true
                acknowledged += 1
                releaseDelivered()
                pump()
            case .refused(let messageID, let reason):
                if unacknowledgedAnnouncements.remove(messageID) != nil {
                    noteRefusal("the broker refused an announcement: \(reason)")
                    return
                }
                guard let index = inflight.firstIndex(where: { $0.messageID == messageID }) else { return }
                inflight[index].acknowledged = true
                noteRefusal("the broker refused a message: \(reason)")
                releaseDelivered()
                pump()
            case .message(let topic, let payload):
                if subscriptions.contains(topic), announceAgain(topic, payload) { send(announcements) }
            }
        }
    }

    /// Gives the spool back what is done, from the oldest message on: delivered or dropped. Lock held.
    private func releaseDelivered() {
        var doneUpTo: DiskSpool.Offset? = nil
        while let first = inflight.first, first.acknowledged {
            doneUpTo = first.end
            inflight.removeFirst()
        }
        guard let doneUpTo else { return }
        do {
            try spool.acknowledge(upTo: doneUpTo)
        } catch {
            report(.spoolFailed("spool: \(error)"))
        }
        if sendCursor < spool.head { sendCursor = spool.head }
    }

    /// Counts a message dropped for good; each reason is reported once. Lock held.
    private func noteRefusal(_ reason: String) {
        refused += 1
        if refusalReasons.insert(reason).inserted {
            report(.refused("\(reason); dropped from the spool, the messages behind it go on (reported once, counted in statistics)"))
        }
    }

    /// Sends spooled messages while connected and the window has room. Called with the lock held.
    private func pump() {
        while connected, inflight.count < window, let (record, next) = spool.record(at: sendCursor) {
            guard let message = MQTTMessage(spoolRecord: record) else {
                inflight.append((-1, next, true))
                sendCursor = next
                noteRefusal("a spool record is not a message")
                releaseDelivered()
                continue
            }
            do {
                let id = try client.publish(topic: message.topic, payload: message.payload, qos: qos, retain: retain)
                inflight.append((id, next, false))
                sendCursor = next
            } catch where error.refusesMessage {
                // This message can never go out (e.g. a topic written by an older version from a meter's control
                // characters): it costs itself only.
                inflight.append((-1, next, true))
                sendCursor = next
                noteRefusal(error.description)
                releaseDelivered()
            } catch {
                // Not connected after all: retry after the next connect.
                report(.requestFailed("publish: \(error)"))
                return
            }
        }
    }
}

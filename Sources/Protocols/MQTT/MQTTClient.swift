#if canImport(Glibc)
import Glibc
#endif
internal import CMosquitto
import SystemSupport

/// An MQTT client over libmosquitto: one instance owns one `struct mosquitto`, drives its network loop on a thread of
/// its own, reconnects by itself (`settings.retry`: 1 s doubling up to 30 s by default, forever) and reports what happens through `onEvent`, called
/// on that network thread. Each failed connection attempt is reported once, with its reason.
///
/// The thread is ours, not `mosquitto_loop_start`'s: libmosquitto's own loop gives up for good after a TLS error (an
/// expired or untrusted certificate) or a failed name lookup, so a broker that renews its certificate or a DNS
/// server that comes back would never be reached again.
public final class MQTTClient: @unchecked Sendable {
    public enum Event: Sendable, Equatable {
        case connected
        /// The broker refused the connection or it could not be made; the reason as the broker or TLS gave it.
        case connectionFailed(String)
        case disconnected(String)
        /// The message with this id was acknowledged (QoS 1/2) or handed to the socket (QoS 0).
        case published(messageID: Int32)
        /// An MQTT 5 broker acknowledged the message with a failure reason (topic name invalid, payload format
        /// invalid, not authorised...): it will never take this message, sending it again cannot help.
        case refused(messageID: Int32, reason: String)
        case message(topic: String, payload: [UInt8])
    }

    public struct Failure: Error, Equatable, CustomStringConvertible, Sendable {
        public let description: String
        /// The message itself cannot be published (malformed topic, payload too large), as opposed to a connection
        /// that is down: the publisher drops such a message instead of retrying it for ever.
        public var refusesMessage = false

        public init(description: String, refusesMessage: Bool = false) {
            self.description = description
            self.refusesMessage = refusesMessage
        }
    }

    public let settings: MQTTSettings
    private let handle: OpaquePointer
    private let onEvent: @Sendable (Event) -> Void
    /// Guards the state below; `wake` interrupts the network thread's wait between attempts.
    private let wake = ConditionLock()
    private var started = false
    private var closed = false
    private var threadFinished = false
    /// After `close`: until when the network thread keeps trying to send DISCONNECT.
    private var closeDeadline: MonotonicClock.Instant?
    private var connectedNow = false
    /// The current connection attempt was already reported as failed (a refusal is followed by a disconnect).
    private var attemptReported = false
    /// The wait before the next attempt after a failure (`settings.retry`), reset by a connection.
    private var backoff: Backoff
    private let connectTimeout: Duration
    private let clock: MonotonicClock
    /// The last error line libmosquitto logged (TLS errors arrive this way), to explain a failure.
    private var lastLoggedError: String?

    private static let libraryInit: Void = { mosquitto_lib_init() }()

    /// `connectTimeout`: how long a connection attempt may take up to the broker's CONNACK before it is started
    /// over. `clock` measures it and the retry delays (a test's clock; the monotonic one otherwise).
    public init(settings: MQTTSettings, connectTimeout: Duration = .seconds(15), clock: MonotonicClock = .system,
                onEvent: @escaping @Sendable (Event) -> Void) throws(Failure) {
        _ = Self.libraryInit
        self.settings = settings
        self.connectTimeout = connectTimeout
        self.clock = clock
        backoff = Backoff(settings.retry)
        self.onEvent = onEvent
        guard let handle = mosquitto_new(settings.clientID, true, nil) else {
            throw Failure(description: "cannot create an MQTT client (out of memory or bad client id)")
        }
        self.handle = handle
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        do {
            try configure()
        } catch {
            mosquitto_destroy(handle)
            throw error
        }
    }

    deinit {
        close()
        mosquitto_destroy(handle)
    }

    private func check(_ code: Int32, _ what: String) throws(Failure) {
        guard code == MOSQ_ERR_SUCCESS.rawValue else {
            throw Failure(description: "\(what): \(String(cString: mosquitto_strerror(code)))")
        }
    }

    private func configure() throws(Failure) {
        let version = settings.mqtt5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311
        try check(mosquitto_int_option(handle, MOSQ_OPT_PROTOCOL_VERSION, Int32(version)), "protocol version")
        try check(mosquitto_int_option(handle, MOSQ_OPT_TCP_NODELAY, 1), "TCP_NODELAY")
        // Our network thread calls mosquitto_loop; publishing from other threads must only queue packets.
        try check(mosquitto_threaded_set(handle, true), "threaded mode")
        try check(mosquitto_max_inflight_messages_set(handle, 100), "inflight window")
        if let username = settings.username {
            try check(mosquitto_username_pw_set(handle, username, settings.password), "username/password")
        }
        if let topic = settings.statusTopic {
            try check(mosquitto_will_set(handle, topic, 7, "offline", 1, true), "last will")
        }
        if settings.tls {
            if settings.caFile == nil {
                try check(mosquitto_int_option(handle, MOSQ_OPT_TLS_USE_OS_CERTS, 1), "system CA store")
            }
            try check(mosquitto_tls_set(handle, settings.caFile, nil, settings.clientCertificate, settings.clientKey, nil),
                      "TLS certificates")
            try check(mosquitto_tls_opts_set(handle, 1, settings.tlsVersion, nil), "TLS version")
            try check(mosquitto_tls_insecure_set(handle, !settings.checkHostname), "TLS host name check")
        }
        mosquitto_connect_callback_set(handle) { _, context, code in
            MQTTClient.from(context)?.connected(code: code)
        }
        mosquitto_disconnect_callback_set(handle) { _, context, code in
            MQTTClient.from(context)?.disconnected(code: code)
        }
        mosquitto_publish_v5_callback_set(handle) { _, context, messageID, reasonCode, _ in
            guard let client = MQTTClient.from(context) else { return }
            if reasonCode >= 0x80 {
                client.onEvent(.refused(messageID: messageID, reason: String(cString: mosquitto_reason_string(reasonCode))))
            } else {
                client.onEvent(.published(messageID: messageID))
            }
        }
        mosquitto_message_callback_set(handle) { _, context, message in
            guard let client = MQTTClient.from(context), let message else { return }
            let topic = String(cString: message.pointee.topic)
            let payload = message.pointee.payload.map {
                Array(UnsafeRawBufferPointer(start: $0, count: Int(message.pointee.payloadlen)))
            } ?? []
            client.onEvent(.message(topic: topic, payload: payload))
        }
        mosquitto_log_callback_set(handle) { _, context, level, text in
            guard level & Int32(MOSQ_LOG_ERR) != 0, let text, let client = MQTTClient.from(context) else { return }
            client.loggedError(String(cString: text), certificateProblem: TLSVerification.failure(of: client.handle))
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> MQTTClient? {
        context.map { Unmanaged<MQTTClient>.fromOpaque($0).takeUnretainedValue() }
    }

    /// libmosquitto explains TLS failures only through its log; the reason is kept for the failure that follows.
    /// When the broker's certificate failed verification, OpenSSL's reason (expired, not yet valid, untrusted) says
    /// more than libmosquitto's "certificate verify failed"; otherwise the first line of the attempt is the most
    /// specific ("host name verification failed" comes before OpenSSL's generic line).
    private func loggedError(_ text: String, certificateProblem: String?) {
        wake.withLock {
            if let certificateProblem {
                lastLoggedError = "the broker's certificate was not accepted: \(certificateProblem)"
            } else if lastLoggedError == nil {
                lastLoggedError = text
            }
        }
    }

    private func connected(code: Int32) {
        wake.withLock {
            connectedNow = code == 0
            attemptReported = code != 0
            if code == 0 { backoff.reset() }
        }
        if code == 0 {
            if let topic = settings.statusTopic {
                mosquitto_publish(handle, nil, topic, 6, "online", 1, true)
            }
            onEvent(.connected)
        } else {
            onEvent(.connectionFailed(reason(connack: code)))
        }
    }

    private func disconnected(code: Int32) {
        guard code != 0 else {   // our own disconnect
            wake.withLock { connectedNow = false }
            return
        }
        connectionEnded(code: code)
    }

    /// A connection attempt that failed before libmosquitto had a socket (refused, unreachable, name unknown).
    private func attemptFailed(code: Int32) {
        attemptFailed(text: reason(error: code))
    }

    private func attemptFailed(text: String) {
        let reported = wake.withLock { () -> Bool in
            defer { attemptReported = true }
            return attemptReported
        }
        if !reported { onEvent(.connectionFailed(text)) }
    }

    private func reason(connack code: Int32) -> String {
        let text = settings.mqtt5 ? String(cString: mosquitto_reason_string(code)) : String(cString: mosquitto_connack_string(code))
        return "\(settings.address) refused the connection: \(text)"
    }

    private func reason(error code: Int32) -> String {
        var text = String(cString: mosquitto_strerror(code))   // MOSQ_ERR_ERRNO: strerror(errno)
        if let logged = wake.withLock({ lastLoggedError.take() }) { text += " (\(logged))" }
        return "\(settings.address): \(text)"
    }

    /// Starts connecting in the background; failures arrive as events and are retried forever.
    public func start() throws(Failure) {
        let alreadyStarted = wake.withLock { () -> Bool in
            defer { started = true }
            return started
        }
        guard !alreadyStarted else { return }
        let code = mosquitto_connect_async(handle, settings.host, Int32(settings.port), Int32(settings.keepalive))
        if code != MOSQ_ERR_SUCCESS.rawValue {
            if code == MOSQ_ERR_INVAL.rawValue { throw Failure(description: "\(settings.address): invalid host or port") }
            attemptFailed(code: code)
        }
        startDetachedThread(name: "mqtt") { [self] in runNetwork(connecting: code == MOSQ_ERR_SUCCESS.rawValue) }
    }

    /// The network thread: reads and writes while a connection is up; when it is down (or never came up), waits
    /// and tries again, until `close`.
    private func runNetwork(connecting: Bool) {
        var connecting = connecting
        var attemptDeadline = clock.deadline(after: connectTimeout)
        defer { wake.withLock { threadFinished = true; wake.broadcast() } }
        while true {
            if !connecting {
                guard waitBeforeRetry() else { return }
                wake.withLock { attemptReported = false }
                let code = mosquitto_reconnect_async(handle)
                if code != MOSQ_ERR_SUCCESS.rawValue {
                    attemptFailed(code: code)
                    continue
                }
                connecting = true
                attemptDeadline = clock.deadline(after: connectTimeout)
            }
            let code = mosquitto_loop(handle, 500, 1)
            // Closed: done once DISCONNECT went out and libmosquitto dropped the socket, or at the deadline (the
            // socket is then closed by mosquitto_destroy).
            if wake.withLock({ closed && (mosquitto_socket(handle) < 0 || closeDeadline.map { clock.now >= $0 } ?? false) }) {
                return
            }
            if code == MOSQ_ERR_SUCCESS.rawValue, clock.now >= attemptDeadline, !wake.withLock({ connectedNow }) {
                // No CONNACK in time: a broker that accepts connections but does not answer, or a TLS handshake
                // libmosquitto stopped driving (it waits for the socket to become readable when its first
                // ClientHello could not go out on a connection still being made). The next attempt starts over.
                attemptFailed(text: "\(settings.address): no answer within \(Self.text(connectTimeout))")
                connecting = false
                continue
            }
            guard code != MOSQ_ERR_SUCCESS.rawValue else { continue }
            // This connection or attempt is over. libmosquitto tells the disconnect callback, except when the TLS
            // handshake failed: report it here unless the callback did (the next attempt closes a socket left open).
            connectionEnded(code: code)
            connecting = false
        }
    }

    /// A connection (or an attempt) ended with `code`: reported as a disconnect when it was up, else as the
    /// attempt's failure unless that was reported already (a refusal is followed by a disconnect).
    private func connectionEnded(code: Int32) {
        let text = reason(error: code)   // first, while errno still holds the cause
        let (wasConnected, reported) = wake.withLock { () -> (Bool, Bool) in
            defer { connectedNow = false; attemptReported = true }
            return (connectedNow, attemptReported)
        }
        if wasConnected {
            onEvent(.disconnected(text))
        } else if !reported {
            onEvent(.connectionFailed(text))
        }
    }

    /// Sleeps the back-off's next delay on the monotonic clock; false when the client was closed meanwhile.
    private func waitBeforeRetry() -> Bool {
        wake.withLock {
            let deadline = backoff.retryAt(after: clock)
            while !closed, clock.now < deadline { _ = wake.wait(until: deadline, clock: clock) }
            return !closed
        }
    }

    /// `2 s`, `0.5 s`.
    static func text(_ duration: Duration) -> String {
        let seconds = duration.seconds
        return seconds == seconds.rounded() ? "\(Int(seconds)) s" : "\(seconds) s"
    }

    /// Queues a message; returns its message id (matched by `.published`).
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool) throws(Failure) -> Int32 {
        var messageID: Int32 = 0
        let code = payload.withUnsafeBytes {
            mosquitto_publish(handle, &messageID, topic, Int32($0.count), $0.baseAddress, Int32(qos), retain)
        }
        guard code == MOSQ_ERR_SUCCESS.rawValue else {
            throw Failure(description: "publish to \(topic): \(String(cString: mosquitto_strerror(code)))",
                          refusesMessage: Self.refusesMessage(code))
        }
        return messageID
    }

    /// libmosquitto's verdicts on the message rather than on the connection.
    static func refusesMessage(_ code: Int32) -> Bool {
        switch code {
        case MOSQ_ERR_INVAL.rawValue, MOSQ_ERR_MALFORMED_UTF8.rawValue, MOSQ_ERR_PAYLOAD_SIZE.rawValue,
             MOSQ_ERR_OVERSIZE_PACKET.rawValue, MOSQ_ERR_TOPIC_ALIAS_INVALID.rawValue:
            return true
        default:
            return false
        }
    }

    public func subscribe(_ topic: String, qos: Int) throws(Failure) {
        try check(mosquitto_subscribe(handle, nil, topic, Int32(qos)), "subscribe to \(topic)")
    }

    /// Disconnects cleanly (the `offline` status and DISCONNECT are sent when connected) and stops the network
    /// thread, waiting at most a second for the broker. Idempotent.
    public func close() {
        let wasOpen = wake.withLock { () -> Bool in
            defer { closed = true; closeDeadline = clock.deadline(after: .seconds(1)); wake.broadcast() }
            return !closed && started
        }
        guard wasOpen else { return }
        if let topic = settings.statusTopic {
            mosquitto_publish(handle, nil, topic, 7, "offline", 1, true)
        }
        mosquitto_disconnect(handle)
        wake.withLock { while !threadFinished { wake.wait(seconds: 1) } }
    }
}

private extension Optional {
    mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}

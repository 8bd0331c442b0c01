#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
internal import CMosquitto

/// An MQTT client over libmosquitto: one instance owns one `struct mosquitto`, runs libmosquitto's network loop on
/// its own thread, reconnects by itself (exponential backoff from 1 s up to 30 s, forever) and reports what happens
/// through `onEvent`, called on that network thread.
public final class MQTTClient: @unchecked Sendable {
    public enum Event: Sendable, Equatable {
        case connected
        /// The broker refused the connection or it could not be made; the reason as the broker or TLS gave it.
        case connectionFailed(String)
        case disconnected(String)
        /// The message with this id was acknowledged (QoS 1/2) or handed to the socket (QoS 0).
        case published(messageID: Int32)
        case message(topic: String, payload: [UInt8])
    }

    public struct Failure: Error, Equatable, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let settings: MQTTSettings
    private let handle: OpaquePointer
    private let onEvent: @Sendable (Event) -> Void
    private let lock = ConditionLock()
    private var started = false
    private var closed = false
    private var connectedNow = false
    /// The last error line libmosquitto logged (TLS errors arrive this way), to explain a failure.
    private var lastLoggedError: String?

    private static let libraryInit: Void = { mosquitto_lib_init() }()

    public init(settings: MQTTSettings, onEvent: @escaping @Sendable (Event) -> Void) throws(Failure) {
        _ = Self.libraryInit
        self.settings = settings
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
        try check(mosquitto_reconnect_delay_set(handle, 1, 30, true), "reconnect delay")
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
        mosquitto_publish_callback_set(handle) { _, context, messageID in
            MQTTClient.from(context)?.onEvent(.published(messageID: messageID))
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
            client.loggedError(String(cString: text))
        }
    }

    private static func from(_ context: UnsafeMutableRawPointer?) -> MQTTClient? {
        context.map { Unmanaged<MQTTClient>.fromOpaque($0).takeUnretainedValue() }
    }

    /// libmosquitto reports TLS and socket failures of its background reconnects only through its log.
    private func loggedError(_ text: String) {
        let isConnected = lock.withLock { () -> Bool in
            lastLoggedError = text
            return connectedNow
        }
        if !isConnected { onEvent(.connectionFailed("\(settings.address): \(text)")) }
    }

    private func connected(code: Int32) {
        lock.withLock { connectedNow = code == 0 }
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
        lock.withLock { connectedNow = false }
        guard code != 0 else { return }   // our own disconnect
        onEvent(.disconnected(reason(error: code)))
    }

    private func reason(connack code: Int32) -> String {
        let text = settings.mqtt5 ? String(cString: mosquitto_reason_string(code)) : String(cString: mosquitto_connack_string(code))
        return "\(settings.address) refused the connection: \(text)"
    }

    private func reason(error code: Int32) -> String {
        var text = String(cString: mosquitto_strerror(code))
        if let logged = lock.withLock({ lastLoggedError.take() }) { text += " (\(logged))" }
        return "\(settings.address): \(text)"
    }

    /// Starts connecting in the background; failures arrive as events and are retried forever.
    public func start() throws(Failure) {
        let alreadyStarted = lock.withLock { () -> Bool in
            defer { started = true }
            return started
        }
        guard !alreadyStarted else { return }
        let code = mosquitto_connect_async(handle, settings.host, Int32(settings.port), Int32(settings.keepalive))
        try check(mosquitto_loop_start(handle), "network thread")
        if code != MOSQ_ERR_SUCCESS.rawValue {
            // The loop thread keeps retrying; report why the first attempt failed.
            onEvent(.connectionFailed(reason(error: code)))
            if code == MOSQ_ERR_ERRNO.rawValue || code == MOSQ_ERR_EAI.rawValue || code == MOSQ_ERR_NO_CONN.rawValue {
                mosquitto_reconnect_async(handle)
            }
        }
    }

    /// Queues a message; returns its message id (matched by `.published`).
    @discardableResult
    public func publish(topic: String, payload: [UInt8], qos: Int, retain: Bool) throws(Failure) -> Int32 {
        var messageID: Int32 = 0
        let code = payload.withUnsafeBytes {
            mosquitto_publish(handle, &messageID, topic, Int32($0.count), $0.baseAddress, Int32(qos), retain)
        }
        try check(code, "publish to \(topic)")
        return messageID
    }

    public func subscribe(_ topic: String, qos: Int) throws(Failure) {
        try check(mosquitto_subscribe(handle, nil, topic, Int32(qos)), "subscribe to \(topic)")
    }

    /// Disconnects cleanly and stops the network thread. Idempotent.
    public func close() {
        let wasOpen = lock.withLock { () -> Bool in
            defer { closed = true }
            return !closed && started
        }
        guard wasOpen else { return }
        if let topic = settings.statusTopic {
            mosquitto_publish(handle, nil, topic, 7, "offline", 1, true)
        }
        mosquitto_disconnect(handle)
        mosquitto_loop_stop(handle, false)
    }
}

private extension Optional {
    mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}

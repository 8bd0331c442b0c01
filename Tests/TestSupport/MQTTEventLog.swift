import Foundation
import Protocols

/// Collects a client's events across threads and waits for one.
public final class EventLog: @unchecked Sendable {
    public init() {}
    private let lock = NSLock()
    private var events: [MQTTClient.Event] = []
    private var probesSeen = 0
    private let probeTopic = "test-probe/" + UUID().uuidString

    /// Logs an event; the probe messages of `subscribe` are counted, not logged.
    public func append(_ event: MQTTClient.Event) {
        lock.withLock {
            if case .message(let topic, _) = event, topic == probeTopic { probesSeen += 1 } else { events.append(event) }
        }
    }

    /// Subscribes `client` (whose events this log takes) to `filter` and waits until the broker applies it: a probe
    /// published after the subscription, on the same connection, comes back. A broker handles one connection's
    /// packets in order, so the subscription before it is in place too. False after `seconds`.
    @discardableResult
    public func subscribe(_ client: MQTTClient, to filter: String, qos: Int = 1, seconds: Double = 10) throws -> Bool {
        try client.subscribe(filter, qos: qos)
        try client.subscribe(probeTopic, qos: 1)
        let seen = lock.withLock { probesSeen }
        _ = try client.publish(topic: probeTopic, payload: [], qos: 1, retain: false)
        return eventually(timeout: seconds) { self.lock.withLock { self.probesSeen > seen } }
    }
    public var all: [MQTTClient.Event] { lock.withLock { events } }

    /// Waits until an event matches; returns it, or nil after the timeout.
    @discardableResult
    public func wait(seconds: Double = 10, for match: (MQTTClient.Event) -> Bool) -> MQTTClient.Event? {
        var found: MQTTClient.Event?
        eventually(timeout: seconds) {
            found = all.first(where: match)
            return found != nil
        }
        return found
    }

    public var messages: [(topic: String, payload: [UInt8])] {
        all.compactMap { if case .message(let t, let p) = $0 { return (t, p) } else { return nil } }
    }

    public static func isConnected(_ event: MQTTClient.Event) -> Bool { event == .connected }
    public static func isFailure(_ event: MQTTClient.Event) -> Bool {
        switch event {
        case .connectionFailed, .disconnected: return true
        default: return false
        }
    }
    public static func failureText(_ event: MQTTClient.Event?) -> String {
        switch event {
        case .connectionFailed(let text)?, .disconnected(let text)?: return text
        default: return ""
        }
    }
}


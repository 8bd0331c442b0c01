import Foundation
import Protocols

/// Collects a client's events across threads and waits for one.
public final class EventLog: @unchecked Sendable {
    public init() {}
    private let lock = NSLock()
    private var events: [MQTTClient.Event] = []

    public func append(_ event: MQTTClient.Event) { lock.withLock { events.append(event) } }
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


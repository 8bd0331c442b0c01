import HTTPServer
import Synchronization

/// The Server-Sent Events clients: at most `maximumClients` at once, each with its own bounded `EventStream`.
/// `broadcast` never waits: a client that falls behind is dropped (and counted), the others go on.
final class EventHub: Sendable {
    let maximumClients: Int
    let clientBytes: Int
    private struct State {
        var clients: [ObjectIdentifier: EventStream] = [:]
        var dropped = 0
        var closed = false
    }
    private let state = Mutex(State())

    init(maximumClients: Int = 64, clientBytes: Int = 256 << 10) {
        self.maximumClients = maximumClients
        self.clientBytes = clientBytes
    }

    /// A new client's stream; nil when there are `maximumClients` already (or the hub is closed).
    func subscribe() -> EventStream? {
        state.withLock { state -> EventStream? in
            guard !state.closed, state.clients.count < maximumClients else { return nil }
            let stream = EventStream(maximumBytes: clientBytes, onEnd: { [weak self] in self?.remove($0) })
            state.clients[ObjectIdentifier(stream)] = stream
            return stream
        }
    }

    /// One `event: <name>` with `data` (a single line of JSON) to every client.
    func broadcast(event name: String, data: [UInt8]) {
        var event = Array("event: \(name)\ndata: ".utf8)
        event.reserveCapacity(event.count + data.count + 2)
        event += data
        event += [0x0A, 0x0A]
        let clients = state.withLock { Array($0.clients.values) }
        var slow: [EventStream] = []
        for client in clients where !client.send(event) {
            if client.wasDropped { slow.append(client) }
        }
        guard !slow.isEmpty else { return }
        state.withLock { state in
            for client in slow where state.clients.removeValue(forKey: ObjectIdentifier(client)) != nil {
                state.dropped += 1
            }
        }
    }

    var counts: (clients: Int, dropped: Int) { state.withLock { ($0.clients.count, $0.dropped) } }

    func closeAll() {
        let clients = state.withLock { state in
            state.closed = true
            return Array(state.clients.values)
        }
        clients.forEach { $0.close() }
    }

    private func remove(_ stream: EventStream) {
        state.withLock { _ = $0.clients.removeValue(forKey: ObjectIdentifier(stream)) }
    }
}

import Protocols

/// The web face's sink, fed by its own queue like every other: it keeps the latest readings and the power rings
/// (`LiveReadings`) and hands each reading to the event-stream clients (`EventHub`), whose queues never make it
/// wait. A slow browser therefore costs only its own connection, and a slow web face only its own queue.
final class LiveSink: Sink {
    let live: LiveReadings
    let hub: EventHub

    init(live: LiveReadings, hub: EventHub) {
        self.live = live
        self.hub = hub
    }

    func write(_ readings: [Reading]) throws {
        for reading in readings {
            let json = live.record(reading)
            hub.broadcast(event: "reading", data: json)
        }
    }

    func close() {
        hub.closeAll()
    }
}

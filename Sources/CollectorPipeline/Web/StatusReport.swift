import Protocols

/// `/api/v1/status` and `/healthz`: every reader's counters, last reading and freshness, every sink's counters and
/// connection, and the web face's own clients.
struct StatusReport {
    let board: StatusBoard
    let live: LiveReadings
    let hub: EventHub

    func json() -> [UInt8] {
        let now = monotonicSeconds()
        var out = JSONText()
        out.beginObject()
        out.time("started", board.startedAt)
        out.field("uptime_seconds", Int(now - board.startedMonotonic))
        out.field("healthy", problems(now: now).isEmpty)
        out.beginArray("readers")
        for reader in board.readers {
            let snapshot = reader.snapshot
            let statistics = snapshot.statistics
            out.beginObject()
            out.field("name", reader.name)
            out.field("meter", reader.meter.rawValue)
            out.field("input", reader.input)
            out.time("last_reading", snapshot.lastReadingAt)
            out.field("last_reading_age_seconds", snapshot.lastReadingMonotonic.map { Int(now - $0) })
            out.field("expected_interval_seconds", Int(reader.expectedInterval))
            out.field("problem", reader.staleness(now: now))
            out.field("bytes", statistics.bytes)
            out.field("frames", statistics.frames)
            out.field("skipped_bytes", statistics.skippedBytes)
            out.field("messages", statistics.messages)
            out.field("readings", statistics.readings)
            out.field("published", snapshot.published)
            out.field("dropped", statistics.droppedTotal)
            out.beginObject("dropped_by_reason")
            for (reason, count) in statistics.dropped.sorted(by: { $0.key < $1.key }) {
                out.field(reason.rawValue, count)
            }
            out.endObject()
            out.field("last_drop", snapshot.lastDrop?.description)
            out.endObject()
        }
        out.endArray()
        out.beginArray("sinks")
        for worker in board.sinks {
            let status = worker.status
            out.beginObject()
            out.field("name", worker.name)
            out.field("type", worker.type)
            out.field("written", status.written)
            out.field("failed", status.failed)
            out.field("queue_dropped", status.dropped)
            out.field("queued", status.queued)
            out.field("connected", status.health?.connected)
            out.field("failure", status.health?.failure)
            out.field("spooled_bytes", status.health?.spooledBytes)
            out.field("spool_dropped", status.health?.spoolDropped)
            out.endObject()
        }
        out.endArray()
        let counts = hub.counts
        out.beginObject("web")
        out.field("event_clients", counts.clients)
        out.field("event_clients_dropped", counts.dropped)
        out.field("meters_ignored_readings", live.ignoredReadings)
        out.endObject()
        out.endObject()
        return out.bytes
    }

    /// Why `/healthz` is not 200: readers without a recent reading.
    func problems(now: Double = monotonicSeconds()) -> [String] {
        board.readers.compactMap { reader in reader.staleness(now: now).map { "\(reader.name): \($0)" } }
    }
}

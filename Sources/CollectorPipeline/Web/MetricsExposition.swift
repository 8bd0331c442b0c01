import Protocols

/// `/metrics` in the Prometheus text exposition format (version 0.0.4): counters per reader and sink, the time of
/// each meter's last reading, and every numeric value of each meter's latest reading as a gauge labelled with meter,
/// OBIS code, type and unit. Meter ids and units are untrusted: they go through `PrometheusLabel`.
struct MetricsExposition {
    let board: StatusBoard
    let live: LiveReadings
    let hub: EventHub

    func text() -> String {
        var out = ""
        let readers = board.readers.map { ($0, $0.snapshot) }
        func family(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { out += "\(name){\(sample.labels)} \(sample.value)\n" }
        }
        func reader(_ status: ReaderStatus) -> String { "reader=\"\(PrometheusLabel.escape(status.name))\"" }
        func readerCounter(_ name: String, _ help: String, _ value: (ReaderStatus.Snapshot) -> Int) {
            family("smartmeter_reader_\(name)_total", "counter", help, readers.map { (reader($0.0), String(value($0.1))) })
        }
        readerCounter("bytes", "Bytes read from the meter.") { $0.statistics.bytes }
        readerCounter("frames", "Link frames with valid checksums.") { $0.statistics.frames }
        readerCounter("skipped_bytes", "Bytes outside any frame.") { $0.statistics.skippedBytes }
        readerCounter("messages", "Application messages decoded.") { $0.statistics.messages }
        readerCounter("readings", "Readings published to the sinks.") { $0.published }
        family("smartmeter_reader_dropped_total", "counter", "Frames and messages dropped, by reason.",
               readers.flatMap { status, snapshot in
                   DropReason.allCases.map { reason in
                       ("\(reader(status)),reason=\"\(reason)\"", String(snapshot.statistics.dropped[reason] ?? 0))
                   }
               })
        family("smartmeter_reader_last_reading_timestamp_seconds", "gauge",
               "When the reader last published a reading (0: never).",
               readers.map { (reader($0.0), String($0.1.lastReadingAt ?? 0)) })

        let sinks = board.sinks.map { ($0, $0.status) }
        func sinkLabels(_ worker: SinkWorker) -> String {
            "sink=\"\(PrometheusLabel.escape(worker.name))\",type=\"\(PrometheusLabel.escape(worker.type))\""
        }
        family("smartmeter_sink_written_total", "counter", "Readings the sink wrote.",
               sinks.map { (sinkLabels($0.0), String($0.1.written)) })
        family("smartmeter_sink_failed_total", "counter", "Readings whose write failed.",
               sinks.map { (sinkLabels($0.0), String($0.1.failed)) })
        family("smartmeter_sink_queue_dropped_total", "counter", "Readings dropped because the sink's queue was full.",
               sinks.map { (sinkLabels($0.0), String($0.1.dropped)) })
        family("smartmeter_sink_queued", "gauge", "Readings waiting in the sink's queue.",
               sinks.map { (sinkLabels($0.0), String($0.1.queued)) })
        let served = sinks.compactMap { worker, status in status.health.map { (worker, $0) } }
        family("smartmeter_sink_connected", "gauge", "1 while the sink is connected to its server.",
               served.map { (sinkLabels($0.0), $0.1.connected ? "1" : "0") })
        family("smartmeter_sink_spooled_bytes", "gauge", "Bytes waiting in the sink's disk spool.",
               served.map { (sinkLabels($0.0), String($0.1.spooledBytes)) })
        family("smartmeter_sink_spool_dropped_total", "counter", "Records the spool dropped (full, or refused by the server).",
               served.map { (sinkLabels($0.0), String($0.1.spoolDropped)) })

        let latest = live.latestReadings()
        family("smartmeter_meter_last_reading_timestamp_seconds", "gauge", "The meter time of the meter's latest reading.",
               latest.map { ("meter=\"\(PrometheusLabel.escape($0.source))\"", String($0.timestamp)) })
        var values: [(labels: String, value: String)] = []
        for reading in latest {
            let meter = PrometheusLabel.escape(reading.source)
            // One series per OBIS code: a code repeated in a reading (a profile) keeps its first value.
            var seen: Set<ObisCode> = []
            for point in reading.values {
                guard let number = point.value.number, number.isFinite, seen.insert(point.obis).inserted else { continue }
                values.append(("meter=\"\(meter)\",obis=\"\(point.obis)\",type=\"\(point.type?.rawValue ?? "")\","
                                + "unit=\"\(PrometheusLabel.escape(point.unit ?? ""))\"", ReadingJSON.formatNumber(number)))
            }
        }
        family("smartmeter_value", "gauge", "The values of each meter's latest reading.", values)
        let counts = hub.counts
        out += "# HELP smartmeter_http_event_clients Event-stream clients connected.\n# TYPE smartmeter_http_event_clients gauge\n"
        out += "smartmeter_http_event_clients \(counts.clients)\n"
        out += "# HELP smartmeter_http_event_clients_dropped_total Event-stream clients dropped for falling behind.\n"
        out += "# TYPE smartmeter_http_event_clients_dropped_total counter\n"
        out += "smartmeter_http_event_clients_dropped_total \(counts.dropped)\n"
        return out
    }
}

import Foundation
import Protocols
import TestSupport

/// End to end through a collector: a pseudo-terminal plays an E450, the collector decodes and publishes to a local
/// mosquitto, a subscriber receives. One phase per MQTT payload layout:
/// - latency from the last byte written on the pty to the last message of that reading at the subscriber, one
///   reading at a time (median, p99);
/// - sustained readings/s and messages/s when the meter side floods, and the collector's CPU time per reading.
struct ThroughputRun {
    let collector: CollectorUnderTest
    let reading: [UInt8]
    let directory: URL
    let broker: MosquittoBroker

    struct Phase {
        let format: String
        let messagesPerReading: Int
        let latenciesMS: [Double]
        let readingsPerSecond: Double
        let cpuMicrosecondsPerReading: Double
        let rssKB: Int

        var json: [String: Any] {
            ["format": format, "messages_per_reading": messagesPerReading,
             "latency_median_ms": percentile(latenciesMS, 0.5), "latency_p99_ms": percentile(latenciesMS, 0.99),
             "readings_per_s": readingsPerSecond, "messages_per_s": readingsPerSecond * Double(messagesPerReading),
             "cpu_us_per_reading": cpuMicrosecondsPerReading, "rss_kb_after_flood": rssKB]
        }
    }

    func phase(format: String, latencySamples: Int, floodReadings: Int) throws -> Phase {
        let pty = MeterPty()
        let config = directory.appendingPathComponent("\(collector.name)-\(format).ini")
        try (collector.readerSection(port: pty.path)
            + collector.mqttSection(index: 0, format: format, port: broker.port, tlsCA: nil,
                                    clientID: "bench-\(format)", spool: directory.path + "/spool-\(format)",
                                    queueSize: 1_000_000)
            + "[logging]\ndefault = WARNING\n").write(to: config, atomically: true, encoding: .utf8)
        let arrivals = Arrivals()
        let subscriber = try MQTTClient(settings: MQTTSettings(port: broker.port, clientID: "bench-subscriber-\(format)")) { event in
            if case .message(let topic, _) = event, !topic.hasSuffix("/status") { arrivals.add() }
        }
        try subscriber.start()
        defer { subscriber.close() }
        usleep(300_000)
        try subscriber.subscribe("smartmeter/#", qos: 1)
        usleep(300_000)
        let pid = try collector.start(configuration: config.path,
                                      log: directory.path + "/\(collector.name)-\(format).log")
        defer { ChildProcess.signalAndWait(pid, SIGTERM) }
        usleep(collector.isReference ? 4_000_000 : 1_500_000)   // opened the port, connected to the broker
        progress("[\(collector.name) \(format)] collector running, pid \(pid)")

        // The first reading tells how many messages one reading makes.
        pty.write(reading)
        guard waitUntil(10, { arrivals.count > 0 }) else { throw Shell.Failure(description: "no message arrived") }
        var settled = arrivals.count
        while waitUntil(0.5, { arrivals.count > settled }) { settled = arrivals.count }
        let perReading = settled

        var latencies: [Double] = []
        for sample in 1...latencySamples {
            pty.write(reading)
            let written = now()
            guard waitUntil(5, { arrivals.count >= (sample + 1) * perReading }) else {
                progress("[\(collector.name) \(format)] reading \(sample) did not arrive")
                break
            }
            latencies.append((arrivals[(sample + 1) * perReading - 1] - written) * 1000)
            usleep(2_000)
        }

        // Flood: readings as fast as the pty takes them.
        let before = usage(of: pid)
        let start = now(), base = arrivals.count
        let burst = [UInt8]([[UInt8]](repeating: reading, count: 100).joined())
        for _ in 0..<(floodReadings / 100) { pty.write(burst) }
        let expected = floodReadings / 100 * 100
        if !waitUntil(180, { arrivals.count - base >= expected * perReading }) {
            progress("[\(collector.name) \(format)] flood: only \(arrivals.count - base) of \(expected * perReading) messages arrived")
        }
        let elapsed = arrivals[arrivals.count - 1] - start
        let after = usage(of: pid)
        let delivered = Double(arrivals.count - base) / Double(perReading)
        progress("[\(collector.name) \(format)] done, \(arrivals.count) messages")
        return Phase(format: format, messagesPerReading: perReading, latenciesMS: latencies.sorted(),
                     readingsPerSecond: delivered / elapsed,
                     cpuMicrosecondsPerReading: (after.cpu - before.cpu) / delivered * 1e6, rssKB: after.rssKB)
    }
}

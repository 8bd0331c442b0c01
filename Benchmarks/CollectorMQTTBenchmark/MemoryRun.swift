import Foundation
import Protocols
import TestSupport

/// The collector's resident memory over a long run, as on a Raspberry Pi: one E450 on a pty sending `rate`
/// readings/s, an MQTT sink over TLS (QoS 1, spool) to a local mosquitto and a CSV sink (ours; the reference has no
/// CSV sink, it gets the MQTT TLS sink only). RSS and its private (anonymous) part are sampled every `sampleEvery`
/// seconds, CPU time at the end. The readings come from a generated stream (each one different) or a capture.
struct MemoryRun {
    let collector: CollectorUnderTest
    let readings: [[UInt8]]
    let directory: URL
    /// With the web face on (`[http]`) and one browser connected (`BrowserClient`); ours only.
    var http = false

    struct Sample {
        let seconds: Double
        let rssKB: Int
        let anonymousKB: Int
        let readingsSent: Int
    }

    struct Result {
        let samples: [Sample]
        let cpuSeconds: Double
        let readingsSent: Int
        let mqttMessages: Int
        let distinctMQTTMessages: Int
        let csvLines: Int
        let logTail: [String]

        var json: [String: Any] {
            let rss = samples.map(\.rssKB)
            return ["samples": samples.map { ["t_s": $0.seconds, "rss_kb": $0.rssKB, "rss_anon_kb": $0.anonymousKB,
                                              "readings": $0.readingsSent] },
                    "rss_first_kb": rss.first ?? 0, "rss_last_kb": rss.last ?? 0, "rss_max_kb": rss.max() ?? 0,
                    "cpu_s": cpuSeconds, "cpu_us_per_reading": cpuSeconds / Double(max(readingsSent, 1)) * 1e6,
                    "readings_sent": readingsSent, "mqtt_messages": mqttMessages,
                    "mqtt_distinct_messages": distinctMQTTMessages, "csv_lines": csvLines, "collector_log_tail": logTail]
        }
    }

    func measure(seconds: Double, rate: Double, sampleEvery: Double) throws -> Result {
        let certificates = try TestCertificates.shared()
        let plainPort = FreePort.find()
        // TLS for the collector, a plain listener for the subscriber that counts what arrives.
        let broker = try MosquittoBroker(listenerOptions: certificates.brokerTLSOptions()
            + ["max_queued_messages 0", "listener \(plainPort) 127.0.0.1"])
        let pty = MeterPty()
        let csv = directory.path + "/\(collector.name)-csv"
        var sections = collector.readerSection(port: pty.path)
            + collector.mqttSection(index: 0, format: "mqtt", port: broker.port, tlsCA: certificates.caCertificate,
                                    clientID: "bench-rss", spool: directory.path + "/\(collector.name)-spool-rss")
        if !collector.isReference { sections += "[sink1]\ntype = csv\ndirectory = \(csv)\n" }
        let httpPort = FreePort.find()
        if http && !collector.isReference { sections += "[http]\nlisten = 127.0.0.1:\(httpPort)\n" }
        let config = directory.appendingPathComponent("\(collector.name)-rss.ini")
        try (sections + "[logging]\ndefault = WARNING\n").write(to: config, atomically: true, encoding: .utf8)

        let arrivals = Arrivals()
        let distinct = DistinctMessages()   // QoS 1 is at least once: a duplicate is no loss, but worth knowing
        let subscriber = try MQTTClient(settings: MQTTSettings(port: plainPort, clientID: "bench-rss-subscriber")) { event in
            if case .message(let topic, let payload) = event, !topic.hasSuffix("/status") {
                arrivals.add()
                distinct.add(topic, payload)
            }
        }
        try subscriber.start()
        defer { subscriber.close() }
        // The subscriber connects in the background: on a loaded machine that can take more than a moment.
        var attempts = 0
        while true {
            usleep(300_000)
            do {
                try subscriber.subscribe("smartmeter/#", qos: 1)
                break
            } catch {
                attempts += 1
                if attempts >= 30 { throw error }
            }
        }

        let log = directory.path + "/\(collector.name)-rss.log"
        let pid = try collector.start(configuration: config.path, log: log)
        defer { ChildProcess.signalAndWait(pid, SIGTERM) }
        usleep(collector.isReference ? 4_000_000 : 2_000_000)
        let browser = http && !collector.isReference ? BrowserClient(port: httpPort) : nil
        browser?.start()
        defer { browser?.stop() }
        var samples: [Sample] = []
        let start = now()
        func sample(_ sent: Int) {
            let current = usage(of: pid)
            samples.append(Sample(seconds: now() - start, rssKB: current.rssKB, anonymousKB: current.anonymousKB,
                                  readingsSent: sent))
            progress(String(format: "[%@ rss] t=%6.0f s  readings %6d  RSS %6.1f MB  private %6.1f MB  mqtt messages %d",
                            collector.name, now() - start, sent, Double(current.rssKB) / 1024,
                            Double(current.anonymousKB) / 1024, arrivals.count))
        }
        let cpuBefore = usage(of: pid).cpu
        sample(0)
        var nextSample = sampleEvery
        let total = Int(seconds * rate)
        for index in 0..<total {
            let due = start + Double(index) / rate
            while now() < due { usleep(UInt32(min(100_000, max(100, (due - now()) * 1e6)))) }
            pty.write(readings[index % readings.count])
            if now() - start >= nextSample {
                sample(index + 1)
                nextSample += sampleEvery
            }
        }
        let dueEnd = start + seconds
        while now() < dueEnd { usleep(10_000) }
        sleep(3)   // the last readings reach the sinks
        sample(total)
        let cpu = usage(of: pid).cpu - cpuBefore
        let csvLines = (try? FileManager.default.contentsOfDirectory(atPath: csv))?.reduce(0) { sum, file in
            sum + ((try? String(contentsOfFile: csv + "/" + file, encoding: .utf8))?.split(separator: "\n").count ?? 1) - 1
        } ?? 0
        if let counts = browser?.counts {
            progress("[\(collector.name) rss] browser: \(counts.events) events, \(counts.requests) requests, \(counts.failures) failed")
        }
        let logTail = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").suffix(20).map(String.init)
        return Result(samples: samples, cpuSeconds: cpu, readingsSent: total, mqttMessages: arrivals.count,
                      distinctMQTTMessages: distinct.count, csvLines: csvLines, logTail: logTail)
    }
}

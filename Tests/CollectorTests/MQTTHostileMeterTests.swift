import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads
import Delivery

/// Issue #16: the meter is untrusted input. Ids with control characters, DEL, NUL, MQTT wildcards and bidi
/// overrides reach a real mosquitto as escaped topic levels; none of them stops the sink, and every good reading of
/// two meters arrives exactly once, also through two MQTT sinks on one broker with the default client ids.
@Suite("MQTT sinks: hostile meter", .onOwnThread, .serialized)
struct MQTTHostileMeterTests {
    static let meters = ["METERA0001", "METERB0002"]
    /// Raw in the telegram (the P1 parser keeps them as sent); none of `(`, `)`, `!`, `/`, which end a P1 field.
    static let hostileIDs = ["EVIL\u{1B}[31mRED", "DEL\u{7F}", "NUL\u{0}CUT", "a+#", "a%2B%23", "\u{202E}gnp.exe",
                             "\u{1B}]0;pwned\u{07}"]

    /// A Fluvius telegram with a raw text message (0-0:96.13.0), CRC recomputed.
    static func telegram(id: String, index: Int, message: String? = nil) throws -> [UInt8] {
        var text = try FluviusTelegrams.template.get()
        text = text.replacingOccurrences(of: HostileTelegrams.capturedID, with: "0-0:96.1.1(\(id))")
        text = text.replacingOccurrences(of: "0-0:1.0.0(200512135409S)", with: "0-0:1.0.0(\(HostileTelegrams.clock(index)))")
        text = text.replacingOccurrences(of: "1-0:1.7.0(00.000*kW)", with: String(format: "1-0:1.7.0(%02d.%03d*kW)", index / 1000, index % 1000))
        if let message { text = text.replacingOccurrences(of: "0-0:96.13.0()", with: "0-0:96.13.0(\(message))") }
        return FluviusTelegrams.withChecksum(text)
    }

    static func timestamps(_ log: EventLog, topic: String) -> [String] {
        log.messages.filter { $0.topic == topic }.compactMap { message in
            let text = String(decoding: message.payload, as: UTF8.self)
            guard let start = text.range(of: "\"timestamp\":\"") else { return nil }
            return String(text[start.upperBound...].prefix(20))
        }
    }

    @Test("poisoned ids between two meters' telegrams: every reading arrives once at both sinks, hostile ids as escaped topics")
    func poisonedIDs() throws {
        let broker = try MosquittoBroker()
        let directory = try TestFolder()
        let (client, log) = try MQTTSinkTests.subscriber(port: broker.port)
        defer { client.close() }
        let count = 21
        var stream: [UInt8] = []
        for index in 0..<count {
            for meter in Self.meters { stream += try Self.telegram(id: meter, index: index) }
            stream += try Self.telegram(id: Self.hostileIDs[index % Self.hostileIDs.count], index: index)
        }
        let capture = directory.file("meter.txt")
        try Data(stream).write(to: URL(fileURLWithPath: capture))
        // Two MQTT sinks on one broker, neither with a client_id: each gets its own default id.
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["file": capture]) +
            Ini.sink(0, "mqtt", ["host": "127.0.0.1", "port": broker.port, "spool_dir": directory.file("spool0")]) +
            Ini.sink(1, "mqttjson", ["host": "127.0.0.1", "port": broker.port, "spool_dir": directory.file("spool1")]) +
            Ini.logging("INFO"))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)")
        let expectedTimes = (0..<count).map(HostileTelegrams.utc)
        let hostileCount = count / Self.hostileIDs.count
        #expect(eventually(timeout: 15) {
            log.messages.filter { $0.topic.hasPrefix("smartmeter/") && !$0.topic.hasSuffix("/status")
                && $0.topic.split(separator: "/").count == 2 }.count >= count * (Self.meters.count + 1)
        }, "\(result.stderr)")
        // Each sink's last message is its "offline" at the end: after it, nothing more of that sink arrives.
        let host = ProcessInfo.processInfo.hostName
        let statusTopics = ["sink0", "sink1"].map { "smartmeter/smartmeter-\(host)-\($0)/status" }
        #expect(eventually(timeout: 15) { statusTopics.allSatisfy { MQTTSinkTests.payloads(log, topic: $0).last == "offline" } })
        for meter in Self.meters {
            #expect(Self.timestamps(log, topic: "smartmeter/\(meter)") == expectedTimes, "mqttjson of \(meter)")
            let powers = log.messages.filter { $0.topic == "smartmeter/\(meter)/ACTIVE_POWER_P" }
            #expect(powers.count == count, "mqtt of \(meter)")
        }
        for (position, id) in Self.hostileIDs.enumerated() {
            let topic = "smartmeter/" + TopicLevel.escape(id)
            let times = (0..<count).filter { $0 % Self.hostileIDs.count == position }.map(HostileTelegrams.utc)
            #expect(Self.timestamps(log, topic: topic) == times, "\(topic)")
            #expect(times.count == hostileCount)
        }
        // Nothing a subscriber sees holds a control character, and the hostile ids did not merge with others.
        let topics = Set(log.messages.map(\.topic))
        #expect(topics.allSatisfy { !$0.unicodeScalars.contains(where: TextSafety.isUnsafe) })
        #expect(topics.contains("smartmeter/a%2B%23") && topics.contains("smartmeter/a%252B%2523"))
        // Each sink its own session: both online once, no flapping.
        for sink in ["sink0", "sink1"] {
            let status = MQTTSinkTests.payloads(log, topic: "smartmeter/smartmeter-\(host)-\(sink)/status")
            #expect(status == ["online", "offline"], "\(sink): \(status)")
        }
        #expect(!result.stderr.contains("connection was lost") && !result.stderr.contains("Malformed"), "\(result.stderr)")
        // The collector's own log lines carry no raw control or bidi character either.
        #expect(!result.stderr.unicodeScalars.contains { $0 != "\n" && TextSafety.isUnsafe($0) })
    }

    @Test("Home Assistant discovery with hostile ids: each meter's availability and diagnostics at its escaped level")
    func discoveryTopics() throws {
        let broker = try MosquittoBroker()
        let directory = try TestFolder()
        let (client, log) = try MQTTSinkTests.subscriber(port: broker.port)
        defer { client.close() }
        // Eight ids: as many as a reader remembers, so the sink finds each one's reader however late it looks.
        let ids = Self.meters + Self.hostileIDs.prefix(6)
        var stream: [UInt8] = []
        for index in 0..<3 {
            for id in ids { stream += try Self.telegram(id: id, index: index) }
        }
        let capture = directory.file("meter.txt")
        try Data(stream).write(to: URL(fileURLWithPath: capture))
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["file": capture]) +
            Ini.sink(0, "mqtt", ["host": "127.0.0.1", "port": broker.port, "spool_dir": directory.file("spool0"),
                                 "ha_discovery": "True"]))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)")
        for id in ids {
            let level = TopicLevel.escape(id)
            // Online with its readings, offline when the collector stops (its reader stops with it).
            #expect(eventually(timeout: 15) { MQTTSinkTests.payloads(log, topic: "smartmeter/\(level)/availability") == ["online", "offline"] },
                    "\(level): \(MQTTSinkTests.payloads(log, topic: "smartmeter/\(level)/availability")) \(result.stderr.suffix(1500))")
            let diagnostics = MQTTSinkTests.payloads(log, topic: "smartmeter/\(level)/diagnostics")
            let counters = diagnostics.first.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Int] }
            #expect(counters.map { Set($0.keys) } == ["frames_dropped", "messages_dropped", "decryption_failures"], "\(diagnostics)")
            let config = MQTTSinkTests.payloads(log, topic: "homeassistant/device/\(HomeAssistantDiscovery.nodeID(id))/config")
            // Each announced once: the device does not flap.
            #expect(config.count == 1, "\(level): \(config.count) announcements")
            let payload = config.last.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            #expect((payload?["availability"] as? [[String: String]])?.last == ["topic": "smartmeter/\(level)/availability"])
            #expect(((payload?["device"] as? [String: Any])?["model"] as? String) == "FLU5\\253769484_A",
                    "\(level): the telegram's identification line: \(config)")
        }
        #expect(Set(log.messages.map(\.topic)).allSatisfy { !$0.unicodeScalars.contains(where: TextSafety.isUnsafe) })
    }

    @Test("a spooled message libmosquitto refuses (from an older version's unescaped topic) is dropped once, the rest delivered")
    func refusedSpoolRecord() throws {
        let broker = try MosquittoBroker()
        let directory = try TestFolder()
        let (client, log) = try MQTTSinkTests.subscriber(port: broker.port)
        defer { client.close() }
        let spool = try DiskSpool(directory: URL(fileURLWithPath: directory.file("spool")), maximumBytes: 1 << 20)
        var records: [MQTTMessage] = (0..<5).map { MQTTMessage(topic: "smartmeter/GOOD/\($0)", payload: "before") }
        records.append(MQTTMessage(topic: "smartmeter/EVIL\u{1B}[31m", payload: "poison"))
        records.append(MQTTMessage(topic: "smartmeter/bad/+", payload: "wildcard"))
        records += (5..<10).map { MQTTMessage(topic: "smartmeter/GOOD/\($0)", payload: "after") }
        try spool.append(records.map(\.spoolRecord))
        let reports = ReportLog()
        let publisher = try SpooledPublisher(settings: MQTTSettings(port: broker.port, clientID: "spool-test"), spool: spool,
                                             qos: 1, retain: false) { reports.append($0.text) }
        try publisher.start()
        #expect(eventually(timeout: 15) { log.messages.filter { $0.topic.hasPrefix("smartmeter/GOOD/") }.count == 10 },
                "reports: \(reports.all)")
        #expect(log.messages.filter { $0.topic.hasPrefix("smartmeter/GOOD/") }.map(\.topic) == (0..<10).map { "smartmeter/GOOD/\($0)" })
        eventually(timeout: 5) { publisher.statistics.pendingBytes == 0 }
        let statistics = publisher.statistics
        #expect(statistics.refused == 2)
        #expect(statistics.pendingBytes == 0, "the spool is empty: nothing retried for ever")
        // Each reason reported once, with the (escaped by the log, here raw) topic.
        let refusals = reports.all.filter { $0.contains("dropped from the spool") }
        #expect(refusals.count == 2, "\(reports.all)")
        publisher.close()
    }

    @Test("the logger sink and the log escape a meter's control and bidi characters")
    func loggerSinkEscapes() throws {
        let directory = try TestFolder()
        let message = "\u{1B}]0;pwned\u{07}\u{1B}[2J\u{202E}txt.exe"
        let capture = directory.file("meter.txt")
        try Data(try Self.telegram(id: "ID\u{1B}[31m", index: 0, message: message)
                 + Self.telegram(id: Self.meters[0], index: 1)).write(to: URL(fileURLWithPath: capture))
        let ini = try directory.write("c.ini", Ini.reader(0, "fluvius", ["file": capture]) +
            Ini.sink(0, "logger") +
            Ini.logging("DEBUG"))
        let result = try runCollector(["-c", ini, "-d"])
        #expect(result.status == 0, "\(result.stderr)")
        let unsafe: (Unicode.Scalar) -> Bool = { $0 != "\n" && TextSafety.isUnsafe($0) }
        #expect(!result.stdout.unicodeScalars.contains(where: unsafe), "standard output holds a raw control character")
        #expect(!result.stderr.unicodeScalars.contains(where: unsafe), "the log holds a raw control character")
        #expect(result.stdout.contains("ID\\x1B[31m - 2020-05-12T12:00:00+00:00"), "\(result.stdout)")
        #expect(result.stdout.contains("\\x1B]0;pwned\\x07\\x1B[2J\\u{202E}txt.exe"), "\(result.stdout)")
        #expect(result.stdout.contains("METERA0001 - 2020-05-12T12:00:01+00:00"), "the next meter's reading is there")
    }
}

/// Reports of a publisher, collected from its thread.
final class ReportLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
}

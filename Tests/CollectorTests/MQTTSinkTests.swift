import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads

/// The collector publishing to a real mosquitto: every MQTT payload layout byte for byte, the spool across a
/// broker that is down when the collector runs, and configuration errors of MQTT sections.
@Suite("MQTT sinks", .onOwnThread, .serialized)
struct MQTTSinkTests {
    static func subscriber(port: Int) throws -> (MQTTClient, EventLog) {
        let log = EventLog()
        let client = try MQTTClient(settings: MQTTSettings(port: port, clientID: "test-subscriber")) { log.append($0) }
        try client.start()
        #expect(log.wait(for: EventLog.isConnected) != nil)
        #expect(try log.subscribe(client, to: "#"), "the subscription is in place")
        return (client, log)
    }

    static func config(capture: String, port: Int, spool: String, sinks: [String]) -> String {
        var text = Ini.reader(0, "lge450", ["file": capture, "timezone": "Europe/Zurich"])
        for (index, type) in sinks.enumerated() {
            text += """
                [sink\(index)]
                type = \(type)
                host = 127.0.0.1
                port = \(port)
                client_id = collector-\(type)
                spool_dir = \(spool)/\(type)

                """
        }
        return text + "[logging]\ndefault = INFO\n"
    }

    static func payloads(_ log: EventLog, topic: String) -> [String] {
        log.messages.filter { $0.topic == topic }.map { String(decoding: $0.payload, as: UTF8.self) }
    }

    @Test("mqtt, mqttrldsp and mqttjson payloads of the E450 capture, byte for byte")
    func payloadLayouts() throws {
        let broker = try MosquittoBroker()
        let directory = try TestFolder()
        let (client, log) = try Self.subscriber(port: broker.port)
        defer { client.close() }
        let capture = testdata.appendingPathComponent("lge450-gbt-2-messages.hex").path
        let ini = try directory.write("c.ini", Self.config(capture: capture, port: broker.port, spool: directory.path,
                                                            sinks: ["mqtt", "mqttrldsp", "mqttjson"]))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 0, "\(result.stderr)")
        // Each layout's last message has arrived (the collector has exited: nothing else comes).
        #expect(eventually(timeout: 10) {
            Self.payloads(log, topic: "smartmeter/collector-mqtt/status").last == "offline"
                && !Self.payloads(log, topic: "dt/mqttrldsp/LGZ1030655933512/ds").isEmpty
                && !Self.payloads(log, topic: "smartmeter/LGZ1030655933512").isEmpty
        })
        #expect(Self.payloads(log, topic: "smartmeter/LGZ1030655933512/ACTIVE_POWER_P")
                == [#"{"value":28.0,"timestamp":1625576298,"obis":"1.7.0"}"#])
        #expect(Self.payloads(log, topic: "smartmeter/LGZ1030655933512/POWER_FACTOR")
                == [#"{"value":0.941,"timestamp":1625576298,"obis":"13.7.0"}"#])
        #expect(Self.payloads(log, topic: "dt/mqttrldsp/LGZ1030655933512/ds") == [
            #"{"meter":{"ts":"2021-07-06T12:58:18+00:00","1.7.0":28.0,"2.7.0":0.0,"3.7.0":0.0,"4.7.0":10.0,"#
            + #""1.8.0":886977.0,"2.8.0":0.0,"5.8.0":18.0,"6.8.0":1.0,"7.8.0":0.0,"8.8.0":291341.0,"13.7.0":0.941}}"#])
        let json = Self.payloads(log, topic: "smartmeter/LGZ1030655933512")
        #expect(json.count == 1)
        #expect(json.first?.hasPrefix(#"{"source":"LGZ1030655933512","timestamp":"2021-07-06T12:58:18Z","values":["#) == true)
        #expect(Self.payloads(log, topic: "smartmeter/collector-mqtt/status").last == "offline")
        #expect(Self.payloads(log, topic: "smartmeter/collector-mqtt/status").first == "online")
    }

    @Test("broker down while the collector runs: readings stay in the spool and go out at the next start")
    func spoolAcrossRuns() throws {
        let port = FreePort.find()
        let directory = try TestFolder()
        let capture = testdata.appendingPathComponent("lge450-gbt-vse2026.hex").path
        let ini = try directory.write("c.ini", Self.config(capture: capture, port: port, spool: directory.path,
                                                            sinks: ["mqttjson"]))
        let first = try runCollector(["-c", ini])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("stay spooled until the next start"), "\(first.stderr)")
        #expect(first.stderr.contains("refused") || first.stderr.contains("Connection refused") || first.stderr.contains("mqtt://"),
                "the failure to connect is logged: \(first.stderr)")
        let broker = try MosquittoBroker(port: port)
        let (client, log) = try Self.subscriber(port: broker.port)
        defer { client.close() }
        // Second run: the same capture again; the spooled reading goes first.
        let second = try runCollector(["-c", ini])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stderr.contains("resuming"), "\(second.stderr)")
        #expect(log.wait(for: { _ in Self.payloads(log, topic: "smartmeter/LGZ1030653520967").count == 2 } ) != nil,
                "both readings arrive: \(log.messages.map(\.topic))")
    }

    @Test("MQTT configuration problems are listed with section and key")
    func configurationProblems() throws {
        let directory = try TestFolder()
        let ini = try directory.write("c.ini", Ini.reader(0, "lge450", ["port": "/dev/ttyUSB0"]) +
            Ini.sink(0, "mqtt", ["host": "127.0.0.1", "port": "70000", "username": "meter",
                                 "client_cert_path": "/etc/cert.pem", "topic_group": "my/group", "qos": "3",
                                 "ha_discovery_prefix": "home/assistant"]))
        let result = try runCollector(["-c", ini])
        #expect(result.status == 2)
        for expected in ["[sink0] port", "70000 is out of range", "username without password",
                         "client certificate without client_key_path", "client_cert_path is set but tls is not enabled",
                         "'my/group' must be letters and digits only", "[sink0] qos",
                         "[sink0] ha_discovery_prefix: 'home/assistant' must be letters and digits only",
                         "ha_discovery_prefix is set but ha_discovery is not enabled"] {
            #expect(result.stderr.contains(expected), "\(expected) in: \(result.stderr)")
        }
    }
}

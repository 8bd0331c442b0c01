import Foundation
import Configuration
import Protocols
import Testing
import TestThreads

/// The validator's typed sink settings: each `type` word becomes its case with its defaults, or the values given.
@Suite(.onOwnThread) struct SinkSettingsTests {
    static let reader = "[reader0]\ntype = lge450\nport = /dev/ttyUSB0\n"

    static func sink(_ lines: String) throws -> SinkConfiguration {
        let configuration = try ConfigurationValidationTests.validate(reader + "[sink3]\n" + lines).get()
        return try #require(configuration.sinks.first)
    }

    /// The fewest keys each type needs.
    static func minimal(_ type: SinkType) -> String {
        switch type {
        case .logger: return "type = logger\n"
        case .csv: return "type = csv\ndirectory = /tmp/csv\n"
        case .jsonl: return "type = jsonl\nfile = /tmp/r.jsonl\n"
        case .mqtt, .mqttrldsp, .mqttjson: return "type = \(type.rawValue)\nhost = broker.lan\n"
        case .postgresql, .timescaledb: return "type = \(type.rawValue)\nhost = db.lan\n"
        }
    }

    @Test("every type word (in any case) comes back as the type of its settings", arguments: SinkType.allCases)
    func typeRoundTrip(_ type: SinkType) throws {
        let sink = try Self.sink(Self.minimal(type).replacingOccurrences(
            of: "type = \(type.rawValue)", with: "type = \(type.rawValue.uppercased())"))
        #expect(sink.settings.type == type)
        #expect(sink.type == type.rawValue)
        #expect(sink.name == "sink3")
        #expect(type.schema.type == type.rawValue)
        #expect(sink.queue == SinkQueueLimits())
    }

    @Test func simpleSinks() throws {
        #expect(try Self.sink("type = logger\n").settings == .logger(name: "DataLogger"))
        #expect(try Self.sink("type = logger\nname = Meter\n").settings == .logger(name: "Meter"))
        #expect(try Self.sink("type = csv\ndirectory = /var/csv\n").settings == .csv(directory: "/var/csv"))
        #expect(try Self.sink("type = jsonl\nfile = /var/r.jsonl\n").settings == .jsonl(file: "/var/r.jsonl"))
    }

    @Test func queueLimits() throws {
        let sink = try Self.sink("type = logger\nqueue_size = 50\nqueue_max_kb = 128\n")
        #expect(sink.queue == SinkQueueLimits(readings: 50, kilobytes: 128))
    }

    @Test("MQTT: defaults in one place, TLS moves the port, the status topic follows prefix and client id")
    func mqttDefaults() throws {
        guard case .mqtt(let plain) = try Self.sink("type = mqttrldsp\nhost = broker.lan\n").settings else {
            Issue.record("not an MQTT sink")
            return
        }
        #expect(plain.layout == .mqttrldsp)
        #expect(plain.connection.host == "broker.lan" && plain.connection.port == 1883 && !plain.connection.tls)
        #expect(plain.connection.clientID == MQTTSinkSettings.defaultClientID(sink: "sink3"))
        #expect(plain.connection.statusTopic == "smartmeter/\(plain.connection.clientID)/status")
        #expect(plain.connection.keepalive == 60 && plain.connection.checkHostname && !plain.connection.mqtt5)
        #expect(plain.topicPrefix == "smartmeter" && plain.topicGroup == "mqttrldsp")
        #expect(plain.qos == 1 && !plain.retain && plain.homeAssistantPrefix == nil)
        #expect(plain.spool == SpoolSettings(directory: nil, maximumMegabytes: 100))

        guard case .mqtt(let set) = try Self.sink("""
            type = mqttjson
            host = broker.lan
            tls = yes
            client_id = meter-a
            topic_prefix = home/power
            qos = 2
            retain = true
            protocol = 5
            ha_discovery = on
            spool_dir = /var/spool/mqtt
            spool_max_mb = 7

            """).settings else {
            Issue.record("not an MQTT sink")
            return
        }
        #expect(set.layout == .mqttjson && set.connection.port == 8883 && set.connection.tls && set.connection.mqtt5)
        #expect(set.connection.clientID == "meter-a" && set.connection.statusTopic == "home/power/meter-a/status")
        #expect(set.qos == 2 && set.retain && set.homeAssistantPrefix == "homeassistant")
        #expect(set.spool == SpoolSettings(directory: "/var/spool/mqtt", maximumMegabytes: 7))
    }

    @Test("PostgreSQL: dsn, batch size, spool; timescaledb asks for TimescaleDB")
    func postgres() throws {
        guard case .postgresql(let settings) = try Self.sink(
            "type = timescaledb\ndsn = postgresql://u@db/premises\nbatch_size = 20\nspool_max_mb = 3\n").settings else {
            Issue.record("not a PostgreSQL sink")
            return
        }
        #expect(settings.connection.dsn == "postgresql://u@db/premises" && settings.batchReadings == 20)
        #expect(settings.timescale.requested && settings.spool.maximumMegabytes == 3)
    }
}

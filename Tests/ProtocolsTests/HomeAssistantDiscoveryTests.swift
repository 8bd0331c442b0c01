import Foundation
import Protocols
import Testing
import TestThreads
import Delivery

/// The discovery payloads, parsed back as JSON: what each value becomes (or not), the state topic and template per
/// layout, and a hostile meter id. Home Assistant itself judges them in CollectorTests' HomeAssistantTests.
@Suite("Home Assistant discovery", .onOwnThread)
struct HomeAssistantDiscoveryTests {
    static let fluvius = Reading(source: "1SAG3101021605", timestamp: 1_589_284_449, values: [
        DataPoint(obis: "0-0:96.1.4*255", type: nil, value: .text("50217"), unit: nil),
        DataPoint(obis: "1-0:1.8.1*255", type: .ACTIVE_ENERGY_P_T1, value: .number(34), unit: "Wh"),
        DataPoint(obis: "1-0:2.8.2*255", type: .ACTIVE_ENERGY_N_T2, value: .number(11), unit: "Wh"),
        DataPoint(obis: "1-0:1.4.0*255", type: nil, value: .number(2351), unit: "W"),
        DataPoint(obis: "1-0:1.6.0*255", type: nil, value: .number(2589), unit: "W"),
        DataPoint(obis: "1-0:1.6.0*1", type: nil, value: .number(3695), unit: "W"),
        DataPoint(obis: "0-0:96.14.0*255", type: nil, value: .number(1), unit: nil),
        DataPoint(obis: "1-0:1.7.0*255", type: .ACTIVE_POWER_P, value: .number(0), unit: "W"),
        DataPoint(obis: "1-0:32.7.0*255", type: .VOLTAGE_L1, value: .number(234.7), unit: "V"),
        DataPoint(obis: "1-0:31.4.0*255", type: nil, value: .number(999), unit: "A"),
        DataPoint(obis: "0-1:24.1.0*255", type: nil, value: .number(3), unit: nil),
        DataPoint(obis: "0-1:96.1.1*255", type: nil, value: .text("7FLO2119033733"), unit: nil),
        DataPoint(obis: "0-1:24.2.3*255", type: nil, value: .number(112.384), unit: "m3"),
        DataPoint(obis: "0-2:24.1.0*255", type: nil, value: .number(7), unit: nil),
        DataPoint(obis: "0-2:24.2.1*255", type: nil, value: .number(872.234), unit: "m3"),
    ])

    static func discovery(_ layout: MQTTPayloadFormat) -> HomeAssistantDiscovery {
        HomeAssistantDiscovery(layout: layout, topicPrefix: "smartmeter", topicGroup: "grp",
                               availabilityTopic: "smartmeter/collector/status")
    }

    static func parse(_ message: MQTTMessage?) throws -> [String: Any] {
        let message = try #require(message)
        return try #require(try JSONSerialization.jsonObject(with: Data(message.payload)) as? [String: Any])
    }

    static func components(_ payload: [String: Any]) throws -> [String: [String: Any]] {
        try #require(payload["components"] as? [String: [String: Any]])
    }

    @Test("mqtt layout: one entity per value with a meaning, its own topic, Wh and W shown as kWh and kW")
    func mqttLayout() throws {
        let message = Self.discovery(.mqtt).message(for: Self.fluvius)
        #expect(message?.topic == "homeassistant/device/1SAG3101021605/config")
        let payload = try Self.parse(message)
        let device = try #require(payload["device"] as? [String: Any])
        #expect(device["identifiers"] as? [String] == ["smartmeter_1SAG3101021605"])
        #expect(device["manufacturer"] as? String == "Sagemcom")
        #expect((payload["origin"] as? [String: Any])?["name"] as? String == "smartmeter-datacollector")
        #expect(payload["availability_topic"] == nil)
        #expect(payload["availability"] as? [[String: String]] == [["topic": "smartmeter/collector/status"],
                                                                  ["topic": "smartmeter/1SAG3101021605/availability"]],
                "the sink's status and the meter's connection")
        #expect(payload["availability_mode"] as? String == "all")
        let components = try Self.components(payload)
        #expect(Set(components.keys) == [
            "obis_1_0_1_8_1_255", "obis_1_0_2_8_2_255", "obis_1_0_1_4_0_255", "obis_1_0_1_6_0_255",
            "obis_0_0_96_14_0_255", "obis_1_0_1_7_0_255", "obis_1_0_32_7_0_255", "obis_0_1_24_2_3_255",
            "obis_0_2_24_2_1_255", "last_reading", "frames_dropped", "messages_dropped", "decryption_failures",
        ], "no entity for texts (this layout has none), the limiter, device types or a past month's peak")
        for key in ["frames_dropped", "messages_dropped", "decryption_failures"] {
            let counter = try #require(components[key])
            #expect(counter["entity_category"] as? String == "diagnostic")
            #expect(counter["state_class"] as? String == "total_increasing")
            #expect(counter["state_topic"] as? String == "smartmeter/1SAG3101021605/diagnostics")
            #expect(counter["value_template"] as? String == "{{ value_json.\(key) }}")
            #expect(counter["unique_id"] as? String == "smartmeter_1SAG3101021605_\(key)")
            #expect(counter["device_class"] == nil && counter["unit_of_measurement"] == nil)
        }
        let energy = try #require(components["obis_1_0_1_8_1_255"])
        #expect(energy["platform"] as? String == "sensor")
        #expect(energy["name"] as? String == "Energy import tariff 1")
        #expect(energy["unique_id"] as? String == "smartmeter_1SAG3101021605_1_0_1_8_1_255")
        #expect(energy["state_topic"] as? String == "smartmeter/1SAG3101021605/ACTIVE_ENERGY_P_T1")
        #expect(energy["value_template"] as? String == "{{ value_json.value / 1000 }}")
        #expect(energy["device_class"] as? String == "energy")
        #expect(energy["state_class"] as? String == "total_increasing")
        #expect(energy["unit_of_measurement"] as? String == "kWh")
        #expect(energy["object_id"] == nil, "deprecated from Home Assistant 2025.10")
        let peak = try #require(components["obis_1_0_1_6_0_255"])
        #expect(peak["state_topic"] as? String == "smartmeter/1SAG3101021605/1-0:1.6.0*255")
        #expect(peak["unit_of_measurement"] as? String == "kW")
        #expect(peak["device_class"] as? String == "power")
        #expect(components["obis_1_0_1_7_0_255"]?["value_template"] as? String == "{{ value_json.value }}")
        #expect(components["obis_0_1_24_2_3_255"]?["device_class"] as? String == "gas")
        #expect(components["obis_0_1_24_2_3_255"]?["unit_of_measurement"] as? String == "m³")
        #expect(components["obis_0_2_24_2_1_255"]?["device_class"] as? String == "water", "device type 7")
        #expect(components["obis_0_2_24_2_1_255"]?["name"] as? String == "Water")
        #expect(components["obis_0_0_96_14_0_255"]?["state_class"] == nil)
        #expect(components["last_reading"]?["entity_category"] as? String == "diagnostic")
        #expect(components["last_reading"]?["device_class"] as? String == "timestamp")
    }

    @Test("mqttrldsp: the reading's topic, the value by C.D.E; a code sent twice (1.6.0 now and last month) gets no entity")
    func rldspLayout() throws {
        let components = try Self.components(Self.parse(Self.discovery(.mqttrldsp).message(for: Self.fluvius)))
        #expect(components["obis_1_0_1_6_0_255"] == nil)
        let energy = try #require(components["obis_1_0_1_8_1_255"])
        #expect(energy["state_topic"] as? String == "dt/grp/1SAG3101021605/ds")
        #expect(energy["value_template"] as? String
                == "{% if '1.8.1' in value_json.meter %}{{ value_json.meter['1.8.1'] / 1000 }}{% endif %}")
        #expect(components["last_reading"]?["value_template"] as? String == "{{ value_json.meter.ts }}")
    }

    @Test("mqttjson: the value by full OBIS code, and texts as diagnostic entities")
    func jsonLayout() throws {
        let components = try Self.components(Self.parse(Self.discovery(.mqttjson).message(for: Self.fluvius)))
        let energy = try #require(components["obis_1_0_1_8_1_255"])
        #expect(energy["state_topic"] as? String == "smartmeter/1SAG3101021605")
        #expect(energy["value_template"] as? String
                == "{% for v in value_json['values'] if v.obis == '1-0:1.8.1*255' %}{{ v.value / 1000 }}{% endfor %}")
        let version = try #require(components["obis_0_0_96_1_4_255"])
        #expect(version["entity_category"] as? String == "diagnostic")
        #expect(version["state_class"] == nil && version["unit_of_measurement"] == nil)
        #expect(components["obis_0_1_96_1_1_255"] == nil, "the gas meter's id is not the meter's")
        #expect(components["obis_1_0_1_6_0_255"] != nil)
    }

    @Test("a meter id with separators, wildcards, quotes and control characters stays in its place everywhere")
    func hostileMeterID() throws {
        let id = "a/b+#\"\\\u{1B}\u{202E}x"
        let reading = Reading(source: id, timestamp: 0, values: [
            DataPoint(obis: "1-0:1.8.0*255", type: .ACTIVE_ENERGY_P, value: .number(1), unit: "Wh"),
        ])
        let message = try #require(Self.discovery(.mqtt).message(for: reading))
        let node = HomeAssistantDiscovery.nodeID(id)
        #expect(node.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") })
        #expect(node != HomeAssistantDiscovery.nodeID("a_b___"), "two ids never share a node")
        #expect(message.topic == "homeassistant/device/\(node)/config")
        let payload = try Self.parse(message)
        let device = try #require(payload["device"] as? [String: Any])
        #expect(device["serial_number"] as? String == id, "the JSON carries the id exactly")
        let energy = try #require(try Self.components(payload)["obis_1_0_1_8_0_255"])
        #expect(energy["state_topic"] as? String == "smartmeter/\(TopicLevel.escape(id))/ACTIVE_ENERGY_P",
                "the topic the sink publishes on")
        #expect(energy["unique_id"] as? String == "smartmeter_\(node)_1_0_1_8_0_255")
        let meterTopic = "smartmeter/\(TopicLevel.escape(id))/availability"
        #expect((payload["availability"] as? [[String: String]])?.last == ["topic": meterTopic])
        #expect(Self.discovery(.mqtt).meterAvailabilityTopic(forSource: id) == meterTopic)
        #expect(Self.discovery(.mqtt).diagnosticsTopic(forSource: id) == "smartmeter/\(TopicLevel.escape(id))/diagnostics")
        #expect(try Self.components(payload)["frames_dropped"]?["state_topic"] as? String
                == "smartmeter/\(TopicLevel.escape(id))/diagnostics")
        // A hostile P1 identification line as the model: in the JSON exactly, nowhere else.
        let device2 = MeterDevice(meterID: id, meterType: .dsmr, identification: "KFM5\"},\\x")
        let withModel = try Self.parse(Self.discovery(.mqtt).message(for: reading, device: device2))
        #expect((withModel["device"] as? [String: Any])?["model"] as? String == "KFM5\"},\\x")
        #expect((withModel["device"] as? [String: Any])?["manufacturer"] as? String == "Kaifa")
    }

    @Test("device model and manufacturer: the meter type, the P1 identification line, else the meter id")
    func device() throws {
        func parsed(_ device: MeterDevice) throws -> [String: Any] {
            try #require(try Self.parse(Self.discovery(.mqtt).message(for: Self.fluvius, device: device))["device"] as? [String: Any])
        }
        let e450 = MeterDevice(meterID: "LGZ1030655933512", meterType: .lge450)
        #expect(e450 == MeterDevice(manufacturer: "Landis+Gyr", model: "E450"))
        #expect(MeterDevice(meterID: "ISK1030783821282", meterType: .iskraam550)
                == MeterDevice(manufacturer: "Iskraemeco", model: "AM550"))
        let p1 = MeterDevice(meterID: "1SAG3101021605", meterType: .fluvius, identification: "FLU5\\253769484_A")
        #expect(p1 == MeterDevice(manufacturer: "Sagemcom", model: "FLU5\\253769484_A"),
                "an unknown FLAG id in the header: the meter id's")
        #expect(MeterDevice(meterID: "1SAG3101021605", meterType: .fluvius)
                == MeterDevice(manufacturer: "Sagemcom", model: "e-MUCS P1 meter"), "no header yet")
        #expect(MeterDevice(meterID: "x", meterType: .dsmr, identification: "ISk5\\2MT382-1000")
                == MeterDevice(manufacturer: "Iskraemeco", model: "ISk5\\2MT382-1000"))
        #expect(MeterDevice(meterID: "x", meterType: nil) == MeterDevice(manufacturer: nil, model: nil))
        let device = try parsed(e450)
        #expect(device["model"] as? String == "E450")
        #expect(device["manufacturer"] as? String == "Landis+Gyr")
        #expect(try parsed(MeterDevice(manufacturer: nil, model: nil))["model"] == nil)
    }

    @Test("diagnostics: drops counted by layer, as the JSON the entities read")
    func diagnostics() throws {
        var statistics = DecoderStatistics()
        statistics.dropped = [.frameChecksum: 2, .telegramChecksum: 1, .noValues: 4, .decryptionFailed: 3,
                              .authenticationFailed: 1, .malformedAPDU: 1]
        let diagnostics = MeterDiagnostics(statistics)
        #expect(diagnostics.framesDropped == 3 && diagnostics.messagesDropped == 5 && diagnostics.decryptionFailures == 4)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(diagnostics.json.utf8)) as? [String: Int])
        #expect(json == ["frames_dropped": 3, "messages_dropped": 5, "decryption_failures": 4])
        #expect(MeterDiagnostics().json == #"{"frames_dropped":0,"messages_dropped":0,"decryption_failures":0}"#)
        #expect(Set(DropReason.allCases.map(\.layer)).count == 3)
    }

    @Test("two gas meters: the second is named with its channel; GJ on a channel is heat")
    func channels() throws {
        let reading = Reading(source: "X", timestamp: 0, values: [
            DataPoint(obis: "0-1:24.2.1*255", type: nil, value: .number(1), unit: "m3"),
            DataPoint(obis: "0-3:24.2.1*255", type: nil, value: .number(2), unit: "m3"),
            DataPoint(obis: "0-4:24.2.1*255", type: nil, value: .number(3), unit: "GJ"),
        ])
        let components = try Self.components(Self.parse(Self.discovery(.mqttjson).message(for: reading)))
        #expect(components["obis_0_1_24_2_1_255"]?["name"] as? String == "Gas")
        #expect(components["obis_0_3_24_2_1_255"]?["name"] as? String == "Gas (channel 3)")
        #expect(components["obis_0_4_24_2_1_255"]?["name"] as? String == "Heat")
        #expect(components["obis_0_4_24_2_1_255"]?["unit_of_measurement"] as? String == "GJ")
    }

    @Test("units the meaning does not expect, unknown codes and a reading without any meaning announce nothing")
    func nothingToAnnounce() {
        let reading = Reading(source: "X", timestamp: 0, values: [
            DataPoint(obis: "1-0:1.8.0*255", type: .ACTIVE_ENERGY_P, value: .number(1), unit: "kWh"),
            DataPoint(obis: "1-0:99.1.0*255", type: nil, value: .number(1), unit: "W"),
            DataPoint(obis: "0-0:96.3.10*255", type: nil, value: .number(1), unit: nil),
        ])
        #expect(Self.discovery(.mqttjson).message(for: reading) == nil)
        #expect(HomeAssistantDiscovery.nodeID("LGZ1030655933512") == "LGZ1030655933512")
        #expect(HomeAssistantDiscovery.nodeID("") != "")
    }
}

@Suite("Home Assistant announcements", .onOwnThread)
struct HomeAssistantAnnouncerTests {
    static func reading(_ source: String, unit: String = "Wh") -> Reading {
        Reading(source: source, timestamp: 0, values: [
            DataPoint(obis: "1-0:1.8.0*255", type: .ACTIVE_ENERGY_P, value: .number(1), unit: unit),
        ])
    }

    @Test("a meter is announced once, again when its values change; at most 64 meters")
    func onceAndBounded() {
        var announcer = HomeAssistantAnnouncer(HomeAssistantDiscoveryTests.discovery(.mqttjson))
        #expect(announcer.announcements(for: [Self.reading("A"), Self.reading("A")]).count == 1)
        #expect(announcer.announcements(for: [Self.reading("A")]).isEmpty)
        #expect(announcer.announcements(for: [Self.reading("A", unit: "kWh")]).isEmpty, "no value with a meaning left")
        #expect(announcer.announcements(for: [Self.reading("A")]).count == 1, "changed back: announced again")
        let many = (0..<100).map { Self.reading("meter\($0)") }
        #expect(announcer.announcements(for: many).count == HomeAssistantAnnouncer.maximumMeters - 1)
        #expect(announcer.refusedMeters == 100 - (HomeAssistantAnnouncer.maximumMeters - 1))
        #expect(announcer.announcements(for: [Self.reading("meter1", unit: "kWh"), Self.reading("meter1")]).count == 1,
                "a known meter is still announced when its values change")
        #expect(announcer.meters.count == HomeAssistantAnnouncer.maximumMeters)
        let model = MeterDevice(manufacturer: "Landis+Gyr", model: "E450")
        #expect(announcer.announcements(for: [Self.reading("A")]) { _ in model }.count == 1, "the device became known")
        #expect(announcer.announcements(for: [Self.reading("A")]) { _ in model }.isEmpty)
        #expect(announcer.announcements(for: [Self.reading("A")]).isEmpty, "a device no longer known stays as announced")
    }
}

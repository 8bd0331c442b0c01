import Protocols
import Testing
import TestThreads
import Delivery

@Suite("MQTT payload formats", .onOwnThread)
struct MQTTPayloadFormatTests {
    static let reading = Reading(source: "LGZ1030655933512", timestamp: 1_625_583_498, values: [
        DataPoint(obis: "1-0:1.7.0*255", type: .ACTIVE_POWER_P, value: .number(28), unit: "W"),
        DataPoint(obis: "1-0:31.7.0*255", type: .CURRENT_L1, value: .number(0.09), unit: "A"),
        DataPoint(obis: "0-0:96.1.1*255", type: nil, value: .text("1935912"), unit: nil),
        DataPoint(obis: "0-1:24.2.1*255", type: nil, value: .number(30545), unit: nil),
    ])

    @Test("mqtt: one message per value, the reference collector's topic and payload")
    func reference() {
        let messages = MQTTPayloadFormat.mqtt.messages(for: Self.reading, topicPrefix: "smartmeter", topicGroup: "g")
        #expect(messages == [
            MQTTMessage(topic: "smartmeter/LGZ1030655933512/ACTIVE_POWER_P",
                        payload: #"{"value":28.0,"timestamp":1625583498,"obis":"1.7.0"}"#),
            MQTTMessage(topic: "smartmeter/LGZ1030655933512/CURRENT_L1",
                        payload: #"{"value":0.09,"timestamp":1625583498,"obis":"31.7.0"}"#),
            MQTTMessage(topic: "smartmeter/LGZ1030655933512/0-1:24.2.1*255",
                        payload: #"{"value":30545.0,"timestamp":1625583498,"obis":"24.2.1"}"#),
        ])
    }

    @Test("mqttrldsp: one message per reading with every numeric value by OBIS C.D.E")
    func rldsp() {
        let messages = MQTTPayloadFormat.mqttrldsp.messages(for: Self.reading, topicPrefix: "smartmeter", topicGroup: "mqttrldsp")
        #expect(messages == [MQTTMessage(
            topic: "dt/mqttrldsp/LGZ1030655933512/ds",
            payload: #"{"meter":{"ts":"2021-07-06T14:58:18+00:00","1.7.0":28.0,"31.7.0":0.09,"24.2.1":30545.0}}"#)])
    }

    @Test("mqttjson: the decode JSON on <prefix>/<source>; wildcards never reach a topic")
    func json() {
        var reading = Self.reading
        reading.source = "meter/+#"
        let messages = MQTTPayloadFormat.mqttjson.messages(for: reading, topicPrefix: "telegram", topicGroup: "g")
        #expect(messages.count == 1)
        #expect(messages[0].topic == "telegram/meter%2F%2B%23")
        #expect(messages[0].payload == Array(ReadingJSON.encode(reading).utf8))
    }

    @Test("spool records round-trip")
    func record() {
        let message = MQTTMessage(topic: "a/b", payload: [0, 1, 2, 0xFF])
        #expect(MQTTMessage(spoolRecord: message.spoolRecord) == message)
        #expect(MQTTMessage(spoolRecord: [5, 0, 1]) == nil)
    }
}

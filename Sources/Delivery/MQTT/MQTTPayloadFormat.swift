import Protocols

/// The MQTT sink types and how each turns a reading into messages.
public enum MQTTPayloadFormat: String, Sendable, CaseIterable {
    /// Like the reference collector: `<prefix>/<source>/<TYPE>` with `{"value":28.0,"timestamp":1625583498,"obis":"1.7.0"}`.
    case mqtt
    /// One message per reading on `dt/<group>/<source>/ds`: `{"meter":{"ts":"2021-07-06T12:58:18+00:00","1.7.0":28.0,...}}`.
    case mqttrldsp
    /// One message per reading on `<prefix>/<source>`, the JSON of `smartmeter-config decode`.
    case mqttjson

    public func messages(for reading: Reading, topicPrefix: String, topicGroup: String) -> [MQTTMessage] {
        let source = Self.topicLevel(reading.source)
        switch self {
        case .mqtt:
            return reading.values.compactMap { point in
                guard case .number(let value) = point.value else { return nil }
                let name = point.type?.rawValue ?? Self.topicLevel(point.obis.description)
                let timestamp = point.timestamp ?? reading.timestamp
                let payload = "{\"value\":\(Self.decimal(value)),\"timestamp\":\(timestamp),\"obis\":\"\(point.obis.shortDescription)\"}"
                return MQTTMessage(topic: "\(topicPrefix)/\(source)/\(name)", payload: payload)
            }
        case .mqttrldsp:
            var body = "{\"meter\":{\"ts\":\"" + CivilTime.iso8601(reading.timestamp).dropLast() + "+00:00\""
            for point in reading.values {
                guard case .number(let value) = point.value else { continue }
                body += ",\"\(point.obis.shortDescription)\":\(Self.decimal(value))"
            }
            body += "}}"
            return [MQTTMessage(topic: "dt/\(topicGroup)/\(source)/ds", payload: body)]
        case .mqttjson:
            return [MQTTMessage(topic: "\(topicPrefix)/\(source)", payload: ReadingJSON.encode(reading))]
        }
    }

    /// Values as the reference publishes them: always with a decimal point (`28.0`, `0.09`).
    static func decimal(_ value: Double) -> String {
        guard value.isFinite else { return "null" }
        let text = ReadingJSON.formatNumber(value)
        return text.contains(".") || text.contains("e") ? text : text + ".0"
    }

    /// A topic level from untrusted text (see `TopicLevel`).
    static func topicLevel(_ text: String) -> String { TopicLevel.escape(text) }
}

import Protocols
import SystemSupport

/// Home Assistant MQTT discovery for one MQTT sink: the retained device message that announces a meter and its
/// entities (`<discovery prefix>/device/<node id>/config`, device-based discovery, Home Assistant 2024.11 and later),
/// each entity reading its state from the topic and payload the sink's layout publishes anyway.
///
///     {"device":{"identifiers":["smartmeter_LGZ1030655933512"],"name":"Meter LGZ1030655933512",...},
///      "origin":{"name":"smartmeter-datacollector","sw_version":"0.1.0",...},
///      "availability":[{"topic":"smartmeter/<client id>/status"},{"topic":"smartmeter/LGZ1030655933512/availability"}],
///      "availability_mode":"all","qos":1,
///      "components":{"obis_1_0_1_8_0_255":{"platform":"sensor","name":"Energy import",
///        "unique_id":"smartmeter_LGZ1030655933512_1_0_1_8_0_255","state_topic":"smartmeter/LGZ1030655933512/ACTIVE_ENERGY_P",
///        "value_template":"{{ value_json.value / 1000 }}","device_class":"energy","state_class":"total_increasing",
///        "unit_of_measurement":"kWh",...}, ...}}
///
/// Per meter the sink also publishes (retained, kept with the announcements) whether its reader has input
/// (`<topic_prefix>/<meter>/availability`: `online`/`offline`) and its reader's drop counters
/// (`<topic_prefix>/<meter>/diagnostics`, see `MeterDiagnostics`); an entity is available only while both the sink's
/// status and the meter's availability say `online`.
///
/// The meter is untrusted: its id reaches the topics through `TopicLevel` (as the sink's own topics do), the node id
/// and unique ids through `nodeID` (letters, digits, `_` and `-` only, as Home Assistant requires), and the JSON through
/// `ReadingJSON.appendString`. No `object_id` (deprecated from Home Assistant 2025.10): entity ids follow the names.
public struct HomeAssistantDiscovery: Sendable {
    public var discoveryPrefix: String
    public var layout: MQTTPayloadFormat
    public var topicPrefix: String
    public var topicGroup: String
    /// The sink's status topic (`online`, `offline` as last will); nil: always available.
    public var availabilityTopic: String?

    public static let defaultPrefix = "homeassistant"

    public init(discoveryPrefix: String = Self.defaultPrefix, layout: MQTTPayloadFormat, topicPrefix: String,
                topicGroup: String, availabilityTopic: String?) {
        self.discoveryPrefix = discoveryPrefix
        self.layout = layout
        self.topicPrefix = topicPrefix
        self.topicGroup = topicGroup
        self.availabilityTopic = availabilityTopic
    }

    /// Home Assistant's birth message arrives here (`online`): the announcements are sent again.
    public var statusTopic: String { "\(discoveryPrefix)/status" }

    /// The device message for the meter of `reading`, or nil when none of its values has a meaning. `device`
    /// defaults to what the meter id tells.
    public func message(for reading: Reading, device: MeterDevice? = nil) -> MQTTMessage? {
        let entities = self.entities(of: reading)
        guard !entities.isEmpty else { return nil }
        let device = device ?? MeterDevice(meterID: reading.source, meterType: nil)
        let node = Self.nodeID(reading.source)
        var out = #"{"device":{"identifiers":["smartmeter_\#(node)"],"name":"#
        ReadingJSON.appendString("Meter " + reading.source, to: &out)
        if let manufacturer = device.manufacturer {
            out += #","manufacturer":"#
            ReadingJSON.appendString(manufacturer, to: &out)
        }
        if let model = device.model {
            out += #","model":"#
            ReadingJSON.appendString(model, to: &out)
        }
        out += #","serial_number":"#
        ReadingJSON.appendString(reading.source, to: &out)
        out += "},"
        out += #""origin":{"name":"\#(ProductVersion.name)","sw_version":"\#(ProductVersion.current)"},"#
        out += #""availability":["#
        if let availabilityTopic {
            out += #"{"topic":"#
            ReadingJSON.appendString(availabilityTopic, to: &out)
            out += "},"
        }
        out += #"{"topic":"#
        ReadingJSON.appendString(meterAvailabilityTopic(forSource: reading.source), to: &out)
        out += #"}],"availability_mode":"all","qos":1,"components":{"#
        for (index, entity) in entities.enumerated() {
            if index > 0 { out += "," }
            out += "\"\(entity.key)\":"
            append(entity, node: node, to: &out)
        }
        out += "}}"
        return MQTTMessage(topic: topic(forSource: reading.source), payload: out)
    }

    /// Where the device message of a meter goes; an empty retained message there removes the device.
    public func topic(forSource source: String) -> String {
        "\(discoveryPrefix)/device/\(Self.nodeID(source))/config"
    }

    /// Where the sink says whether the meter's reader has input: `online` or `offline`, retained.
    public func meterAvailabilityTopic(forSource source: String) -> String {
        "\(topicPrefix)/\(TopicLevel.escape(source))/availability"
    }

    /// Where the sink publishes the meter's `MeterDiagnostics`, retained.
    public func diagnosticsTopic(forSource source: String) -> String {
        "\(topicPrefix)/\(TopicLevel.escape(source))/diagnostics"
    }

    /// One entity: its key in `components`, what it means, and where its state comes from.
    struct Entity {
        var key: String
        var uniqueSuffix: String
        var meaning: ObisMeaning
        var stateTopic: String
        var valueTemplate: String
    }

    /// The entities of a reading: every value with a meaning whose place in this layout's payload is unambiguous (a
    /// value sharing its topic or key with another is left out: Home Assistant would see only one of them), and the
    /// time of the last reading.
    func entities(of reading: Reading) -> [Entity] {
        let source = TopicLevel.escape(reading.source)
        var candidates: [(stateKey: String, point: DataPoint, meaning: ObisMeaning)] = []
        for point in reading.values {
            if case .text = point.value, layout != .mqttjson { continue }
            guard let meaning = ObisMeaning.of(point, in: reading) else { continue }
            candidates.append((stateKey(of: point), point, meaning))
        }
        var counts: [String: Int] = [:]
        for point in reading.values { counts[stateKey(of: point), default: 0] += 1 }
        var entities: [Entity] = []
        for (stateKey, point, meaning) in candidates where counts[stateKey] == 1 {
            let id = Self.obisID(point.obis)
            entities.append(Entity(key: "obis_" + id, uniqueSuffix: id, meaning: meaning,
                                   stateTopic: stateTopic(source: source, stateKey: stateKey),
                                   valueTemplate: valueTemplate(stateKey: stateKey, divisor: meaning.divisor)))
        }
        guard !entities.isEmpty else { return [] }
        let lastReading = ObisMeaning("Last reading", .timestamp, nil, nil, diagnostic: true)
        switch layout {
        case .mqtt:
            guard let first = reading.values.first(where: { $0.value.number != nil }) else { break }
            let key = stateKey(of: first)
            guard counts[key] == 1 else { break }
            entities.append(Entity(key: "last_reading", uniqueSuffix: "last_reading", meaning: lastReading,
                                   stateTopic: stateTopic(source: source, stateKey: key),
                                   valueTemplate: "{{ value_json.timestamp | int | timestamp_custom('%Y-%m-%dT%H:%M:%S+00:00', false) }}"))
        case .mqttrldsp:
            entities.append(Entity(key: "last_reading", uniqueSuffix: "last_reading", meaning: lastReading,
                                   stateTopic: stateTopic(source: source, stateKey: ""),
                                   valueTemplate: "{{ value_json.meter.ts }}"))
        case .mqttjson:
            entities.append(Entity(key: "last_reading", uniqueSuffix: "last_reading", meaning: lastReading,
                                   stateTopic: stateTopic(source: source, stateKey: ""),
                                   valueTemplate: "{{ value_json.timestamp }}"))
        }
        for (key, name) in MeterDiagnostics.entities {
            entities.append(Entity(key: key, uniqueSuffix: key,
                                   meaning: ObisMeaning(name, nil, .total_increasing, nil, diagnostic: true, precision: 0),
                                   stateTopic: diagnosticsTopic(forSource: reading.source),
                                   valueTemplate: "{{ value_json.\(key) }}"))
        }
        return entities
    }

    /// What tells a value apart in this layout's payload: its topic level, its short code, its full code.
    private func stateKey(of point: DataPoint) -> String {
        switch layout {
        case .mqtt: return point.type?.rawValue ?? TopicLevel.escape(point.obis.description)
        case .mqttrldsp: return point.obis.shortDescription
        case .mqttjson: return point.obis.description
        }
    }

    private func stateTopic(source: String, stateKey: String) -> String {
        switch layout {
        case .mqtt: return "\(topicPrefix)/\(source)/\(stateKey)"
        case .mqttrldsp: return "dt/\(topicGroup)/\(source)/ds"
        case .mqttjson: return "\(topicPrefix)/\(source)"
        }
    }

    /// A template that renders the value (divided into Home Assistant's unit), or nothing when a payload lacks it:
    /// Home Assistant ignores an empty state and keeps the last one.
    private func valueTemplate(stateKey: String, divisor: Double) -> String {
        let scaled = divisor == 1 ? "" : " / \(ReadingJSON.formatNumber(divisor))"
        switch layout {
        case .mqtt:
            return "{{ value_json.value\(scaled) }}"
        case .mqttrldsp:
            return "{% if '\(stateKey)' in value_json.meter %}{{ value_json.meter['\(stateKey)']\(scaled) }}{% endif %}"
        case .mqttjson:
            return "{% for v in value_json['values'] if v.obis == '\(stateKey)' %}{{ v.value\(scaled) }}{% endfor %}"
        }
    }

    private func append(_ entity: Entity, node: String, to out: inout String) {
        out += #"{"platform":"sensor","name":"\#(entity.meaning.name)","#
        out += #""unique_id":"smartmeter_\#(node)_\#(entity.uniqueSuffix)","state_topic":"#
        ReadingJSON.appendString(entity.stateTopic, to: &out)
        out += #","value_template":"#
        ReadingJSON.appendString(entity.valueTemplate, to: &out)
        if let deviceClass = entity.meaning.deviceClass { out += #","device_class":"\#(deviceClass.rawValue)""# }
        if let stateClass = entity.meaning.stateClass { out += #","state_class":"\#(stateClass.rawValue)""# }
        if let unit = entity.meaning.unit {
            out += #","unit_of_measurement":"#
            ReadingJSON.appendString(unit, to: &out)
        }
        if let precision = entity.meaning.precision { out += #","suggested_display_precision":\#(precision)"# }
        if entity.meaning.diagnostic { out += #","entity_category":"diagnostic""# }
        out += "}"
    }

    /// A meter id as Home Assistant's node ids and our unique ids allow it: letters, digits, `_` and `-`. An id that
    /// needs changing (or is empty or longer than 64) gets `_` and 16 hex digits of a hash of the whole id, so two
    /// meters never share a node.
    public static func nodeID(_ source: String) -> String {
        let kept = String(source.unicodeScalars.map { scalar -> Character in
            scalar.isASCII && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                               || scalar == "_" || scalar == "-") ? Character(scalar) : "_"
        })
        if !kept.isEmpty && kept == source && kept.utf8.count <= 64 { return kept }
        return String(kept.prefix(40)) + "_" + StableHash.hex64(Array(source.utf8))
    }

    /// `1-0:1.8.0*255` -> `1_0_1_8_0_255`.
    static func obisID(_ obis: ObisCode) -> String {
        "\(obis.a)_\(obis.b)_\(obis.c)_\(obis.d)_\(obis.e)_\(obis.f)"
    }
}

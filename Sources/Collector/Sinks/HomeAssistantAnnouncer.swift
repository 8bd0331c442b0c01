import Protocols

/// `ha_discovery = True` on an MQTT sink: announces each meter to Home Assistant when its first reading comes, and
/// again when the values it sends change (a new OBIS code, another unit); the publisher keeps the announcements and
/// sends them again at every connect and at Home Assistant's birth message. Runs on the sink's thread.
struct HomeAssistantAnnouncer {
    let discovery: HomeAssistantDiscovery
    /// Per meter, what its last announcement was built from: the codes and units of its values.
    private var announced: [String: [Signature]] = [:]

    private struct Signature: Equatable {
        var obis: ObisCode
        var unit: String?
        var isText: Bool
        var deviceType: Double?
    }

    init(_ discovery: HomeAssistantDiscovery) {
        self.discovery = discovery
    }

    /// The device messages that readings call for: none when every meter was announced with these values.
    mutating func announcements(for readings: [Reading]) -> [MQTTMessage] {
        var messages: [MQTTMessage] = []
        for reading in readings {
            let signature = reading.values.map { point -> Signature in
                let isText: Bool
                switch point.value {
                case .number: isText = false
                case .text: isText = true
                }
                // An M-Bus channel's device type decides between gas and water.
                let deviceType = point.obis.hasCDE(24, 1, 0) ? point.value.number : nil
                return Signature(obis: point.obis, unit: point.unit, isText: isText, deviceType: deviceType)
            }
            guard announced[reading.source] != signature else { continue }
            announced[reading.source] = signature
            if let message = discovery.message(for: reading) { messages.append(message) }
        }
        return messages
    }

    /// Home Assistant's birth message.
    static func isBirth(_ payload: [UInt8]) -> Bool {
        payload == Array("online".utf8)
    }
}

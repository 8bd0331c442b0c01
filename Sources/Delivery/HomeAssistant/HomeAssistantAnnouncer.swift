import Protocols

/// `ha_discovery = True` on an MQTT sink: announces each meter to Home Assistant when its first reading comes, and
/// again when the values it sends change (a new OBIS code, another unit, another M-Bus device type) or what the
/// collector knows of the device (its manufacturer and model) does; the publisher
/// keeps the announcements and sends them again at every connect and at Home Assistant's birth message. Runs on the
/// sink's thread.
///
/// Meter ids are untrusted: a meter (or a stream of damaged telegrams with valid checksums) that keeps changing its id
/// would otherwise fill the broker and Home Assistant with devices, so at most `maximumMeters` are announced.
public struct HomeAssistantAnnouncer: Sendable {
    public let discovery: HomeAssistantDiscovery
    /// Per meter, what its last announcement was built from.
    private var announced: [String: Announced] = [:]
    /// Meters not announced because `maximumMeters` were.
    public private(set) var refusedMeters = 0

    public static let maximumMeters = 64

    /// The meters announced so far.
    public var meters: Dictionary<String, Announced>.Keys { announced.keys }

    public struct Announced: Equatable, Sendable {
        fileprivate var values: [Signature]
        fileprivate var device: MeterDevice?
    }

    fileprivate struct Signature: Equatable, Sendable {
        var obis: ObisCode
        var unit: String?
        var isText: Bool
        var deviceType: Double?
    }

    public init(_ discovery: HomeAssistantDiscovery) {
        self.discovery = discovery
    }

    /// The device messages that readings call for: none when every meter was announced with these values and
    /// this device. `device` tells a meter's manufacturer and model (nil: as announced before, else what its id
    /// tells).
    public mutating func announcements(for readings: [Reading],
                                       device: (String) -> MeterDevice? = { _ in nil }) -> [MQTTMessage] {
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
            let known = announced[reading.source]
            // A device no longer known (its reader forgot the meter id) keeps what it was announced with.
            let meterDevice = device(reading.source) ?? known?.device
            let now = Announced(values: signature, device: meterDevice)
            guard known != now else { continue }
            guard known != nil || announced.count < Self.maximumMeters else {
                refusedMeters += 1
                continue
            }
            announced[reading.source] = now
            if let message = discovery.message(for: reading, device: meterDevice) { messages.append(message) }
        }
        return messages
    }

    /// Home Assistant's birth message.
    public static func isBirth(_ payload: [UInt8]) -> Bool {
        payload == Array("online".utf8)
    }
}

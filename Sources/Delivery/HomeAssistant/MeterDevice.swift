import Protocols

/// Manufacturer and model of a meter's Home Assistant device, from what the collector knows: the reader's meter
/// type, a P1 telegram's identification line (`/FLU5\253769484_A`: three-letter FLAG manufacturer id, then the
/// meter's model text) and the FLAG id at the start of a meter id (`LGZ1030655933512`; P1 equipment ids: one digit
/// first, `1SAG3101021605`). The identification line is the meter's own text (untrusted): it goes into the JSON
/// through `ReadingJSON.appendString`, never into a topic.
public struct MeterDevice: Sendable, Equatable {
    public var manufacturer: String?
    public var model: String?

    public init(manufacturer: String?, model: String?) {
        self.manufacturer = manufacturer
        self.model = model
    }

    /// `meterType` nil: the reader is not known (only the meter id tells).
    public init(meterID: String, meterType: MeterType?, identification: String? = nil) {
        let product = meterType.map(Self.product)
        if let identification, !identification.isEmpty {
            manufacturer = Self.manufacturer(flag: identification) ?? Self.manufacturer(ofMeterID: meterID)
                ?? product?.manufacturer
            model = identification
        } else {
            manufacturer = product?.manufacturer ?? Self.manufacturer(ofMeterID: meterID)
            model = product?.model
        }
    }

    /// What a meter type says: the manufacturer and model for types made for one meter, a description for the P1
    /// types (any manufacturer; their telegrams' identification line tells more).
    static func product(_ type: MeterType) -> (manufacturer: String?, model: String?) {
        switch type {
        case .lge450: return ("Landis+Gyr", "E450")
        case .lge360: return ("Landis+Gyr", "E360")
        case .lge570: return ("Landis+Gyr", "E570")
        case .iskraam550: return ("Iskraemeco", "AM550")
        case .kamstrup_han, .kamstrup_han_se: return ("Kamstrup", "Omnipower")
        case .aidon: return ("Aidon", nil)
        case .kaifa: return ("Kaifa", nil)
        case .netznoe: return ("Kaifa", "MA309M")
        case .dsmr: return (nil, "DSMR 4/5 P1 meter")
        case .dsmr22: return (nil, "DSMR 2.2/3 P1 meter")
        case .fluvius: return (nil, "e-MUCS P1 meter")
        case .smarty: return (nil, "Smarty P1 meter")
        case .siemens_td3511: return ("Siemens", "TD-3511")
        }
    }

    /// The manufacturer a meter id names by its FLAG id.
    static func manufacturer(ofMeterID id: String) -> String? {
        var letters = Substring(id)
        if let first = letters.first, first.isNumber { letters = letters.dropFirst() }
        return manufacturer(flag: letters)
    }

    static func manufacturer(flag text: some StringProtocol) -> String? {
        flagIDs[String(text.prefix(3)).uppercased()]
    }

    /// FLAG manufacturer ids (DLMS User Association register) of the meters we decode.
    static let flagIDs: [String: String] = [
        "LGZ": "Landis+Gyr", "ISK": "Iskraemeco", "KFM": "Kaifa", "SAG": "Sagemcom", "KAM": "Kamstrup",
        "ELS": "Elster", "ESY": "EasyMeter", "EMH": "EMH metering", "XMX": "Xemex",
    ]
}

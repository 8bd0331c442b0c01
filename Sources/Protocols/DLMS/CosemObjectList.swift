/// The objects of a notification body, whichever layout the meter uses, as (OBIS, value, scaler/unit) entries.
///
/// Layouts found in the field:
/// - push object list (E450, E570, E360, AM550): `structure { array of (class_id, logical_name, attribute,
///   data_index), value for object 1, value for object 2, ... }`, element 0 being the list itself;
/// - OBIS/value pairs (Kamstrup, Aidon, Netz NOe, E450 unlisted): `octet-string(6), value[, structure(scaler, unit)]`
///   in flat or nested structures and arrays;
/// - values only (Kaifa Norway): positions imply the OBIS codes (see `MeterType.impliedObisCodes`).
public struct CosemObjectList: Sendable {
    public struct Entry: Sendable, Equatable {
        public var obis: ObisCode
        public var classID: UInt16?
        public var value: DLMSValue
        /// Decimal exponent and DLMS unit code when the meter pushes them.
        public var scaler: Int?
        public var unitCode: UInt8?
    }

    public var entries: [Entry] = []
    /// Values not labelled with an OBIS code, in wire order.
    public var unlabelled: [DLMSValue] = []

    public init(body: DLMSValue, meter: MeterType) {
        if let list = Self.pushObjectList(body), let values = body.elements {
            collectPushList(list, values: values)
        } else {
            collectPairs(body)
            if entries.isEmpty, let implied = meter.impliedObisCodes(forListOf: unlabelled.count) {
                for (obis, value) in zip(implied, unlabelled) {
                    entries.append(Entry(obis: obis, classID: nil, value: value, scaler: nil, unitCode: nil))
                }
                unlabelled.removeAll()
            }
        }
    }

    private struct PushListItem {
        var classID: UInt16
        var obis: ObisCode
        var attribute: Int
    }

    /// The capture-object definitions when `body` starts with one.
    private static func pushObjectList(_ body: DLMSValue) -> [PushListItem]? {
        guard case .structure(let elements) = body, case .array(let definitions)? = elements.first,
              !definitions.isEmpty else { return nil }
        var items: [PushListItem] = []
        items.reserveCapacity(definitions.count)
        for definition in definitions {
            guard case .structure(let fields) = definition, fields.count == 4,
                  case .longUnsigned(let classID) = fields[0],
                  case .octetString(let name) = fields[1], let obis = ObisCode(logicalName: name),
                  let number = fields[2].number, let attribute = Int(exactly: number) else { return nil }
            items.append(PushListItem(classID: classID, obis: obis, attribute: attribute))
        }
        return items
    }

    private mutating func collectPushList(_ list: [PushListItem], values: [DLMSValue]) {
        // Scaler/unit pushed as attribute 3 of registers, applied to their value (attribute 2).
        var scalers: [ObisCode: (Int, UInt8)]? = nil
        for (item, value) in zip(list, values) where item.attribute == 3 && (item.classID == 3 || item.classID == 4) {
            if let su = Self.scalerUnit(value) { scalers = (scalers ?? [:]).merging([item.obis: su]) { $1 } }
        }
        for (index, (item, value)) in zip(list, values).enumerated() where index > 0 {
            guard item.attribute == 2, item.classID != 40 else { continue }
            let su = scalers?[item.obis]
            entries.append(Entry(obis: item.obis, classID: item.classID, value: value, scaler: su?.0, unitCode: su?.1))
        }
    }

    private mutating func collectPairs(_ value: DLMSValue) {
        guard let elements = value.elements else {
            unlabelled.append(value)
            return
        }
        var index = 0
        while index < elements.count {
            let element = elements[index]
            if case .octetString(let bytes) = element, bytes.count == 6, index + 1 < elements.count,
               let obis = ObisCode(logicalName: bytes) {
                var entry = Entry(obis: obis, classID: nil, value: elements[index + 1], scaler: nil, unitCode: nil)
                index += 2
                if index < elements.count, let su = Self.scalerUnit(elements[index]) {
                    entry.scaler = su.0
                    entry.unitCode = su.1
                    index += 1
                }
                entries.append(entry)
            } else if element.elements != nil {
                collectPairs(element)
                index += 1
            } else {
                unlabelled.append(element)
                index += 1
            }
        }
    }

    /// `structure { integer scaler, enum unit }`.
    static func scalerUnit(_ value: DLMSValue) -> (Int, UInt8)? {
        guard case .structure(let fields) = value, fields.count == 2, case .enumerated(let unit) = fields[1] else {
            return nil
        }
        switch fields[0] {
        case .integer(let scaler): return (Int(scaler), unit)
        case .unsigned(let scaler): return (Int(Int8(bitPattern: scaler)), unit)
        default: return nil
        }
    }
}

/// The objects of a notification body, whichever layout the meter uses, as (OBIS, value, scaler/unit) entries whose
/// values are nodes of the body's `AXDRTape`. The storage is reused from message to message.
///
/// Layouts found in the field:
/// - push object list (E450, E570, E360, AM550): `structure { array of (class_id, logical_name, attribute,
///   data_index), value for object 1, value for object 2, ... }`, element 0 being the list itself;
/// - OBIS/value pairs (Kamstrup, Aidon, Netz NOe, E450 unlisted): `octet-string(6), value[, structure(scaler, unit)]`
///   in flat or nested structures and arrays;
/// - values only (Kaifa Norway): positions imply the OBIS codes (see `MeterType.impliedObisCodes`).
struct CosemObjectList {
    struct Entry: Equatable {
        var obis: ObisCode
        var classID: UInt16?
        /// Node index of the value in the body's tape.
        var value: Int
        /// Decimal exponent and DLMS unit code when the meter pushes them.
        var scaler: Int?
        var unitCode: UInt8?
    }

    private(set) var entries: [Entry] = []
    /// Node indices of values not labelled with an OBIS code, in wire order.
    private(set) var unlabelled: [Int] = []
    /// The capture-object definitions of a push object list; the first `paired` have a value in the message.
    private var pushList: [PushListItem] = []
    private var paired = 0
    /// Whether `pushList` holds the definitions of the list the tape reused from the previous message (then they
    /// are not read again, only paired with the new values).
    private var definitionsRead = false

    init() {
        entries.reserveCapacity(64)
        unlabelled.reserveCapacity(8)
        pushList.reserveCapacity(64)
    }

    private struct PushListItem {
        var classID: UInt16
        var obis: ObisCode
        /// The attribute number (pushed as a number of any A-XDR type, that must be a whole number).
        var attribute: Int
        /// Node index of the value the item describes.
        var value: Int
    }

    /// Collects the objects of the body (node 0 of `tape`).
    mutating func collect(_ tape: AXDRTape, meter: MeterType) {
        entries.removeAll(keepingCapacity: true)
        unlabelled.removeAll(keepingCapacity: true)
        if readPushObjectList(tape) {
            pairValues(tape)
            collectPushList(tape)
        } else {
            collectPairs(tape, 0)
            if entries.isEmpty, let implied = meter.impliedObisCodes(forListOf: unlabelled.count) {
                for (obis, value) in zip(implied, unlabelled) {
                    entries.append(Entry(obis: obis, classID: nil, value: value, scaler: nil, unitCode: nil))
                }
                unlabelled.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Reads the capture-object definitions into `pushList` when the body starts with them.
    private mutating func readPushObjectList(_ tape: AXDRTape) -> Bool {
        if tape.reusedList && definitionsRead { return true }
        definitionsRead = readDefinitions(tape)
        return definitionsRead
    }

    private mutating func readDefinitions(_ tape: AXDRTape) -> Bool {
        pushList.removeAll(keepingCapacity: true)
        guard tape.count > 0, tape.tag(0) == .structure, tape.nodes[0].count > 0 else { return false }
        let list = 1
        guard tape.tag(list) == .array, tape.nodes[list].count > 0 else { return false }
        for definition in tape.elements(of: list) {
            guard tape.tag(definition) == .structure, tape.nodes[definition].count == 4 else { return false }
            let classNode = definition + 1
            let nameNode = tape.nodes[classNode].end
            let attributeNode = tape.nodes[nameNode].end
            guard let classID = tape.unsigned(classNode, as: .longUnsigned), tape.isOctetString(nameNode, count: 6),
                  let number = tape.number(attributeNode), let attribute = Int(exactly: number) else { return false }
            let start = tape.nodes[nameNode].start
            let b = tape.bytes
            let obis = ObisCode(b[start], b[start + 1], b[start + 2], b[start + 3], b[start + 4], b[start + 5])
            pushList.append(PushListItem(classID: UInt16(truncatingIfNeeded: classID), obis: obis,
                                         attribute: attribute, value: -1))
        }
        return true
    }

    /// Pairs each definition with the body element at its position (the first describes the list itself).
    private mutating func pairValues(_ tape: AXDRTape) {
        paired = 0
        for value in tape.elements(of: 0) {
            guard paired < pushList.count else { break }
            pushList[paired].value = value
            paired += 1
        }
    }

    private mutating func collectPushList(_ tape: AXDRTape) {
        // Scaler/unit pushed as attribute 3 of registers, applied to their value (attribute 2); the last one wins.
        let hasScalers = pushList[..<paired].contains { Self.isScalerUnit($0) }
        let items = pushList
        items.withUnsafeBufferPointer { items in
            for item in items[..<paired].dropFirst() where item.attribute == 2 && item.classID != 40 {
                var entry = Entry(obis: item.obis, classID: item.classID, value: item.value, scaler: nil, unitCode: nil)
                if hasScalers, let su = scalerUnit(for: item.obis, tape) {
                    entry.scaler = su.0
                    entry.unitCode = su.1
                }
                entries.append(entry)
            }
        }
    }

    private static func isScalerUnit(_ item: PushListItem) -> Bool {
        item.attribute == 3 && (item.classID == 3 || item.classID == 4)
    }

    private func scalerUnit(for obis: ObisCode, _ tape: AXDRTape) -> (Int, UInt8)? {
        for item in pushList[..<paired].reversed() where item.obis == obis && Self.isScalerUnit(item) {
            if let su = Self.scalerUnit(tape, item.value) { return su }
        }
        return nil
    }

    private mutating func collectPairs(_ tape: AXDRTape, _ container: Int) {
        guard tape.isContainer(container) else {
            unlabelled.append(container)
            return
        }
        var element = container + 1
        let end = tape.nodes[container].end
        while element < end {
            let next = tape.nodes[element].end
            if tape.isOctetString(element, count: 6), next < end {
                let start = tape.nodes[element].start
                let b = tape.bytes
                let obis = ObisCode(b[start], b[start + 1], b[start + 2], b[start + 3], b[start + 4], b[start + 5])
                var entry = Entry(obis: obis, classID: nil, value: next, scaler: nil, unitCode: nil)
                element = tape.nodes[next].end
                if element < end, let su = Self.scalerUnit(tape, element) {
                    entry.scaler = su.0
                    entry.unitCode = su.1
                    element = tape.nodes[element].end
                }
                entries.append(entry)
            } else if tape.isContainer(element) {
                collectPairs(tape, element)
                element = next
            } else {
                unlabelled.append(element)
                element = next
            }
        }
    }

    /// `structure { integer scaler, enum unit }`.
    static func scalerUnit(_ tape: AXDRTape, _ index: Int) -> (Int, UInt8)? {
        guard tape.tag(index) == .structure, tape.nodes[index].count == 2 else { return nil }
        let scalerNode = index + 1
        let unitNode = tape.nodes[scalerNode].end
        guard let unit = tape.unsigned(unitNode, as: .enumerated) else { return nil }
        switch tape.tag(scalerNode) {
        case .integer, .unsigned:
            return (Int(Int8(bitPattern: UInt8(truncatingIfNeeded: tape.nodes[scalerNode].bits))), UInt8(unit))
        default:
            return nil
        }
    }
}

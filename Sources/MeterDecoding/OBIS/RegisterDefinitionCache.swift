/// The register map's answers for the codes of the last messages, direct-mapped by C.D.E: a meter pushing every
/// second asks about the same few dozen codes, and hashing them into the map's dictionary each time was measurable.
/// Answers are those of `RegisterMap.definition(for:meter:)` for the code with A = 1 (callers ask only for those).
struct RegisterDefinitionCache {
    /// The definition's fields stored flat: reading one of them copies no optional struct.
    private struct Entry {
        var key = UInt32.max
        var type: DataPointType?
        var unit: String?
        var exponent = 0
    }
    private var entries = [Entry](repeating: Entry(), count: 128)

    init() {}

    mutating func definition(_ obis: ObisCode, meter: MeterType) -> RegisterDefinition? {
        let slot = slot(obis, meter: meter)
        guard let type = entries[slot].type else { return nil }
        return RegisterDefinition(type: type, unit: entries[slot].unit, exponent: entries[slot].exponent)
    }

    /// The register's type when its unit is `unit` (what text protocols ask: their units are on the wire).
    mutating func type(_ obis: ObisCode, meter: MeterType, unit: String?) -> DataPointType? {
        let slot = slot(obis, meter: meter)
        guard let type = entries[slot].type, entries[slot].unit == unit else { return nil }
        return type
    }

    /// The slot holding the code's answer, filled on a miss.
    private mutating func slot(_ obis: ObisCode, meter: MeterType) -> Int {
        let key = UInt32(obis.c) << 16 | UInt32(obis.d) << 8 | UInt32(obis.e)
        let slot = Int(truncatingIfNeeded: (key &* 2_654_435_761) >> 25) & 127
        if entries[slot].key != key {
            let definition = RegisterMap.definition(for: ObisCode(1, 0, obis.c, obis.d, obis.e), meter: meter)
            entries[slot] = Entry(key: key, type: definition?.type, unit: definition?.unit,
                                  exponent: definition?.exponent ?? 0)
        }
        return slot
    }
}

/// The register map's answers for the codes of the last messages, direct-mapped by C.D.E: a meter pushing every
/// second asks about the same few dozen codes, and hashing them into the map's dictionary each time was measurable.
/// Answers are those of `RegisterMap.definition(for:meter:)` for the code with A = 1 (callers ask only for those).
struct RegisterDefinitionCache {
    private struct Entry {
        var key = UInt32.max
        var definition: RegisterDefinition?
    }
    private var entries = [Entry](repeating: Entry(), count: 128)

    init() {}

    mutating func definition(_ obis: ObisCode, meter: MeterType) -> RegisterDefinition? {
        let key = UInt32(obis.c) << 16 | UInt32(obis.d) << 8 | UInt32(obis.e)
        let slot = Int(truncatingIfNeeded: (key &* 2_654_435_761) >> 25) & 127
        if entries[slot].key == key { return entries[slot].definition }
        let definition = RegisterMap.definition(for: ObisCode(1, 0, obis.c, obis.d, obis.e), meter: meter)
        entries[slot] = Entry(key: key, definition: definition)
        return definition
    }
}

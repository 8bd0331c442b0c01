/// DLMS data-notification APDUs with the layout of the Landis+Gyr push messages in `testdata`, with new
/// values each time:
///
/// - E450: `hdlc/lge450-gbt-2-messages.hex` frames 3-6 (scs/smartmeter-datacollector `tests/testdata/lg_e450.py`,
///   UNENCRYPTED_VALID_DATA, @1507c3fc4d0f): a structure of the 16-entry push object list, the push setup's logical
///   name, meter id, serial number, clock, 11 double-long-unsigned registers and the power factor (long-unsigned).
/// - E570: the plaintext of `hdlc/lge570-encrypted-gbt.hex` (same repository, `tests/testdata/lg_e570.py`,
///   ENCRYPTED_VALID_DATA): an 18-entry list, meter id, clock, 64-bit registers and the power factor (long).
struct PushMessageWriter {
    enum Layout {
        case e450
        case e570
    }

    let layout: Layout
    private var invokeID: UInt32 = 0xCBC6
    private var clock = CivilDateTime(year: 2026, month: 3, day: 1, hour: 0, minute: 0, second: 0)
    private var importEnergy: UInt64 = 886_977
    private var exportEnergy: UInt64 = 12_345
    private var reactiveEnergy: [UInt64] = [18, 1, 0, 291_341]

    init(layout: Layout) {
        self.layout = layout
    }

    private typealias Entry = (classID: UInt16, obis: [UInt8], attribute: Int8)

    private static let e450Entries: [Entry] = [
        (40, [0, 8, 25, 9, 0, 255], 2), (40, [0, 8, 25, 9, 0, 255], 1), (1, [0, 0, 42, 0, 0, 255], 2),
        (1, [0, 0, 96, 1, 1, 255], 2), (8, [0, 0, 1, 0, 0, 255], 2),
        (3, [1, 0, 1, 7, 0, 255], 2), (3, [1, 0, 2, 7, 0, 255], 2), (3, [1, 0, 3, 7, 0, 255], 2),
        (3, [1, 0, 4, 7, 0, 255], 2), (3, [1, 1, 1, 8, 0, 255], 2), (3, [1, 1, 2, 8, 0, 255], 2),
        (3, [1, 1, 5, 8, 0, 255], 2), (3, [1, 1, 6, 8, 0, 255], 2), (3, [1, 1, 7, 8, 0, 255], 2),
        (3, [1, 1, 8, 8, 0, 255], 2), (3, [1, 0, 13, 7, 0, 255], 2),
    ]

    private static let e570Entries: [Entry] = [
        (40, [0, 8, 25, 9, 0, 255], 2), (40, [0, 8, 25, 9, 0, 255], 1), (1, [0, 0, 42, 0, 0, 255], 2),
        (8, [0, 0, 1, 0, 0, 255], 2),
        (3, [1, 0, 1, 7, 0, 255], 2), (3, [1, 0, 2, 7, 0, 255], 2), (3, [1, 0, 3, 7, 0, 255], 2),
        (3, [1, 0, 4, 7, 0, 255], 2), (3, [1, 1, 1, 8, 0, 255], 2), (3, [1, 1, 2, 8, 0, 255], 2),
        (3, [1, 1, 5, 8, 0, 255], 2), (3, [1, 1, 6, 8, 0, 255], 2), (3, [1, 1, 7, 8, 0, 255], 2),
        (3, [1, 1, 8, 8, 0, 255], 2), (3, [1, 0, 31, 7, 0, 255], 2), (3, [1, 0, 51, 7, 0, 255], 2),
        (3, [1, 0, 71, 7, 0, 255], 2), (3, [1, 0, 13, 7, 0, 255], 2),
    ]

    static let e450MeterID = Array("LGZ1030655933512".utf8)
    static let e570MeterID = Array("LGZ1030769231253".utf8)

    /// The next message: the meter's clock advances 5 s, energies grow, powers and currents are random.
    mutating func next<R: RandomNumberGenerator>(using random: inout R) -> [UInt8] {
        clock.advance(seconds: 5)
        invokeID &+= 1
        let importPower = UInt32.random(in: 0...12_000, using: &random)
        let exportPower = UInt32.random(in: 0...3_000, using: &random)
        importEnergy += UInt64(importPower) * 5 / 3600 + UInt64.random(in: 0...2, using: &random)
        exportEnergy += UInt64(exportPower) * 5 / 3600
        for index in reactiveEnergy.indices { reactiveEnergy[index] += UInt64.random(in: 0...3, using: &random) }
        let powerFactor = UInt16.random(in: 500...1000, using: &random)

        var writer = AXDRWriter()
        writer.raw([0x0F, UInt8(invokeID >> 24), UInt8((invokeID >> 16) & 0xFF), UInt8((invokeID >> 8) & 0xFF),
                    UInt8(invokeID & 0xFF), 0x0C] + AXDRWriter.dateTime(clock, status: 0x00))
        let entries = layout == .e450 ? Self.e450Entries : Self.e570Entries
        writer.structure(entries.count)
        writer.array(entries.count)
        for entry in entries {
            writer.structure(4)
            writer.longUnsigned16(entry.classID)
            writer.octetString(entry.obis)
            writer.raw([0x0F, UInt8(bitPattern: entry.attribute)])
            writer.longUnsigned16(0)
        }
        writer.octetString([0, 8, 25, 9, 0, 255])
        switch layout {
        case .e450:
            writer.octetString(Self.e450MeterID)
            writer.octetString(Array("1935912".utf8))
            writer.octetString(AXDRWriter.dateTime(clock, status: 0x81))
            for value in [importPower, exportPower, UInt32.random(in: 0...2_000, using: &random),
                          UInt32.random(in: 0...2_000, using: &random)] {
                writer.doubleLongUnsigned32(value)
            }
            writer.doubleLongUnsigned32(UInt32(truncatingIfNeeded: importEnergy))
            writer.doubleLongUnsigned32(UInt32(truncatingIfNeeded: exportEnergy))
            for energy in reactiveEnergy { writer.doubleLongUnsigned32(UInt32(truncatingIfNeeded: energy)) }
            writer.longUnsigned16(powerFactor)
        case .e570:
            writer.octetString(Self.e570MeterID)
            writer.octetString(AXDRWriter.dateTime(clock, status: 0x00))
            for value in [importPower, exportPower, UInt32.random(in: 0...2_000, using: &random),
                          UInt32.random(in: 0...2_000, using: &random)] {
                writer.long64(Int64(value))
            }
            writer.long64Unsigned(importEnergy)
            writer.long64Unsigned(exportEnergy)
            for energy in reactiveEnergy { writer.long64Unsigned(energy) }
            for _ in 0..<3 { writer.long64(Int64.random(in: 0...60, using: &random)) }
            writer.long16(Int16(powerFactor))
        }
        return writer.bytes
    }
}

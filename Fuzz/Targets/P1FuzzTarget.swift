import Foundation

/// The DSMR P1 path: telegram framer (CRC16) -> parser -> reading builder, for DSMR 4/5, DSMR 2.2/3 (no CRC) and the
/// Belgian Fluvius e-MUCS variant, through `ReadingDecoderFactory`.
///
/// Input: byte 0 picks the meter type, byte 1 where the stream is cut into two reads, the rest is the serial stream.
enum P1FuzzTarget {
    static let meters: [MeterType] = [.dsmr, .dsmr22, .fluvius]
    static let configurations = meters.map {
        DecoderConfiguration(meter: $0, zone: FuzzZone.brussels, fallbackSource: "fuzz")
    }

    static let target = FuzzTarget(name: "p1", run: { bytes in
        guard bytes.count >= 2 else { return }
        var decoder = try! ReadingDecoderFactory.make(configurations[Int(bytes[0]) % configurations.count])
        FuzzInput.feed(&decoder, bytes[2...], cut: bytes[1])
    }, seeds: { testdata in
        try FuzzInput.files(testdata.appendingPathComponent("dsmr"), extensions: ["txt"]).map { file in
            let name = file.deletingPathExtension().lastPathComponent
            let meter: MeterType = name.hasPrefix("fluvius") || name.hasSuffix("fluvius") ? .fluvius
                : name.hasPrefix("dsmr22") || name.hasPrefix("dsmr30") ? .dsmr22 : .dsmr
            return FuzzTarget.Seed(name: name, bytes: [UInt8(meters.firstIndex(of: meter)!), 255] + (try FuzzInput.capture(file)))
        }
    })
}

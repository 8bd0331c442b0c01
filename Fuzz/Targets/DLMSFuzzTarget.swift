import Foundation

/// The DLMS push path of the collector: HDLC or M-Bus framer -> segment assembler -> block transfer -> deciphering ->
/// data-notification -> reading builder, through `ReadingDecoderFactory` as the readers build it.
///
/// Input: byte 0 picks the configuration (meter, key), byte 1 where the stream is cut into two reads, the rest is the
/// serial stream.
enum DLMSFuzzTarget {
    struct Configuration {
        var meter: MeterType
        var key: String?
        var authenticationKey: String?
        /// Captures (paths under testdata) this configuration decodes.
        var captures: [String]
    }

    /// Every DLMS push meter, no key: encrypted frames are dropped as `noKey`, the rest decoded.
    static let plainConfigurations: [Configuration] = [
        Configuration(meter: .lge450, captures: ["hdlc/lge450-gbt-vse2026.hex", "hdlc/lge450-gbt-2-messages.hex",
                                                 "hdlc/lge450-gbt-alt-config.hex", "hdlc/lge450-gbt-extended-register.hex",
                                                 "hdlc/invalid-lge450-duplicated-segment.hex",
                                                 "hdlc/invalid-lge450-orphan-last-segment.hex"]),
        Configuration(meter: .lge360, captures: ["hdlc/lge360-vse2026.hex", "hdlc/invalid-truncated-lge360.hex"]),
        Configuration(meter: .lge570, captures: ["hdlc/lge570-gbt-vse2026.hex", "hdlc/lge570-gbt-vse2026-load.hex",
                                                 "hdlc/invalid-fcs-lge570-gbt.hex"]),
        Configuration(meter: .iskraam550, captures: ["hdlc/iskraam550-segmented.hex", "hdlc/iskraam550-segmented-vse2026.hex",
                                                     "hdlc/invalid-hcs-iskraam550-segmented.hex"]),
        Configuration(meter: .kamstrup_han, captures: ["hdlc/kamstrup-omnipower-list1-3ph.hex"]),
        Configuration(meter: .aidon, captures: ["hdlc/aidon-list1-0x7d-in-info.hex"]),
        Configuration(meter: .kaifa, captures: ["hdlc/kaifa-list1-0x7e-in-info.hex"]),
        Configuration(meter: .netznoe, captures: ["mbus/netznoe-kaifa-encrypted.hex"]),
    ]

    /// Keys of the encrypted captures (from the testdata README), and one with an authentication key so GCM tags
    /// are checked. Smarty (encrypted P1) is a general-glo-ciphering meter too.
    static let keyedConfigurations: [Configuration] = [
        Configuration(meter: .lge570, key: "101112131415161718191A1B1C1D1E1F", captures: ["hdlc/lge570-encrypted-gbt.hex"]),
        Configuration(meter: .lge450, key: "F08660A6C19D2048556BF623AB0257E6", captures: ["hdlc/lge450-encrypted-gbt.hex"]),
        Configuration(meter: .netznoe, key: "36C66639E48A8CA4D6BC8B282A793BBB",
                      captures: ["mbus/netznoe-kaifa-encrypted.hex", "mbus/invalid-checksum-netznoe.hex"]),
        Configuration(meter: .lge570, key: "101112131415161718191A1B1C1D1E1F",
                      authenticationKey: "000102030405060708090A0B0C0D0E0F", captures: ["hdlc/lge570-encrypted-gbt.hex"]),
        Configuration(meter: .smarty, key: "D491470F47126332B07D1923B3504188",
                      authenticationKey: "00112233445566778899AABBCCDDEEFF", captures: ["encrypted/lux-smarty-sagemcom-t210.hex"]),
    ]

    static let withoutKey = target(name: "dlms", plainConfigurations)
    static let withKey = target(name: "dlms-key", keyedConfigurations)

    private static func target(name: String, _ configurations: [Configuration]) -> FuzzTarget {
        let decoderConfigurations = configurations.map { configuration in
            DecoderConfiguration(meter: configuration.meter,
                                 key: configuration.key.map { try! Hex.bytes(fromLenient: $0) },
                                 authenticationKey: configuration.authenticationKey.map { try! Hex.bytes(fromLenient: $0) },
                                 zone: FuzzZone.brussels, fallbackSource: "fuzz")
        }
        return FuzzTarget(name: name, run: { bytes in
            guard bytes.count >= 2 else { return }
            let configuration = decoderConfigurations[Int(bytes[0]) % decoderConfigurations.count]
            var decoder = try! ReadingDecoderFactory.make(configuration)
            FuzzInput.feed(&decoder, bytes[2...], cut: bytes[1])
        }, seeds: { testdata in
            var seeds: [FuzzTarget.Seed] = []
            for (index, configuration) in configurations.enumerated() {
                for capture in configuration.captures {
                    let stream = try FuzzInput.capture(testdata.appendingPathComponent(capture))
                    for cut: UInt8 in [255, 100] {
                        let name = "\(configuration.meter.rawValue)-\(index)-cut\(cut)-" + capture.replacingOccurrences(of: "/", with: "-")
                        seeds.append(FuzzTarget.Seed(name: name, bytes: [UInt8(index), cut] + stream))
                    }
                }
            }
            return seeds
        })
    }
}

/// A zone with summer time, so meter times in the skipped and repeated hours are exercised.
enum FuzzZone {
    static let brussels = ZoneOffsetResolver(identifier: "Europe/Brussels")!
}

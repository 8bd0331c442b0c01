import Foundation

/// Fluvius telegrams (the capture testdata/dsmr/fluvius-v171.txt) with whatever a hostile or broken meter puts in
/// them: its id (0-0:96.1.1, raw bytes or hex-encoded text), its clock, the powers and the text message, CRC
/// recomputed so that the collector takes them.
enum HostileTelegrams {
    static let capturedID = "0-0:96.1.1(3153414733313031303231363035)"

    /// `id` goes into the telegram as it is (`hex: false`: any bytes but `(`, `)`, `!`, `/`) or hex-encoded
    /// (`hex: true`: printable ASCII, which the collector decodes back). `clock` is `YYMMDDhhmmssX`.
    static func telegram(id: String, hex: Bool = false, clock: String, power: String = "00.000",
                         returned: String = "00.000", message: String = "") throws -> [UInt8] {
        var text = try FluviusTelegrams.template.get()
        let encodedID = hex ? id.utf8.map { String(format: "%02X", $0) }.joined() : id
        text = text.replacingOccurrences(of: capturedID, with: "0-0:96.1.1(\(encodedID))")
        text = text.replacingOccurrences(of: "0-0:1.0.0(200512135409S)", with: "0-0:1.0.0(\(clock))")
        text = text.replacingOccurrences(of: "1-0:1.7.0(00.000*kW)", with: "1-0:1.7.0(\(power)*kW)")
        text = text.replacingOccurrences(of: "1-0:2.7.0(00.000*kW)", with: "1-0:2.7.0(\(returned)*kW)")
        text = text.replacingOccurrences(of: "0-0:96.13.0()",
                                         with: "0-0:96.13.0(\(message.utf8.map { String(format: "%02X", $0) }.joined()))")
        return FluviusTelegrams.withChecksum(text)
    }

    /// `YYMMDDhhmmssS` of 2020-05-12 14:mm:ss plus `index` seconds (up to 10 hours).
    static func clock(_ index: Int) -> String {
        String(format: "200512%02d%02d%02dS", 14 + index / 3600, index / 60 % 60, index % 60)
    }

    /// The ISO time the collector writes for `clock(index)` (the meter is in Belgium, summer time: UTC+2).
    static func utc(_ index: Int) -> String {
        String(format: "2020-05-12T%02d:%02d:%02dZ", 12 + index / 3600, index / 60 % 60, index % 60)
    }
}

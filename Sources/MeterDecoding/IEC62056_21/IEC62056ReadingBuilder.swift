/// Turns an IEC 62056-21 data block (as objects from `P1TelegramParser`) into a `Reading`.
///
/// Short codes read as electricity registers (`1.8.0` -> 1-0:1.8.0, `32.7` -> 1-0:32.7.0). The meter id is
/// `0.0.0` (else `C.1.0`-style 96.1.x), the time `0.9.1` (hh:mm:ss) with the date `0.9.2` (yy-mm-dd or the
/// 7-digit form with a century digit), local time in the reader's zone. Values are scaled like P1 values (kWh ->
/// Wh, kvar -> var, Deg -> °) and typed from the register map when the unit agrees; unknown registers are still
/// reported, untyped.
struct IEC62056ReadingBuilder {
    var meter: MeterType
    var zone: ZoneOffsetResolver
    var useSystemTime: Bool
    var fallbackSource: String
    var sourceOverride: String?
    var now: @Sendable () -> Int64

    init(configuration: DecoderConfiguration, now: @escaping @Sendable () -> Int64 = SystemClock.seconds) {
        meter = configuration.meter
        zone = configuration.zone
        useSystemTime = configuration.useSystemTime
        fallbackSource = configuration.fallbackSource
        sourceOverride = configuration.sourceOverride
        self.now = now
    }

    func reading(from block: P1TelegramParser, bytes: UnsafeRawBufferPointer) -> Reading? {
        var values: [DataPoint] = []
        var meterID: String? = nil
        var time: (hour: Int, minute: Int, second: Int)? = nil
        var date: (year: Int, month: Int, day: Int)? = nil
        for object in block.objects {
            let obis = object.obis
            let groups = block.groups(of: object)
            guard let group = groups.first, !group.isEmpty else { continue }
            if obis.c == 0 && obis.d == 0 || obis.c == 96 && obis.d == 1 {
                if meterID == nil { meterID = P1Field.text(bytes, group, decodeHex: false) }
                continue
            }
            if obis.c == 0 && obis.d == 9 && (obis.e == 1 || obis.e == 2) {
                let digits = Self.digits(bytes, group)
                if obis.e == 1, digits.count == 6 {
                    time = (digits[0] * 10 + digits[1], digits[2] * 10 + digits[3], digits[4] * 10 + digits[5])
                } else if obis.e == 2, digits.count == 6 || digits.count == 7 {
                    let d = digits.suffix(6).map { $0 }
                    let century = digits.count == 7 ? 1900 + 100 * digits[0] : 2000
                    date = (century + d[0] * 10 + d[1], d[2] * 10 + d[3], d[4] * 10 + d[5])
                }
                continue
            }
            if let quantity = P1Field.quantity(bytes, group) {
                var type: DataPointType? = nil
                if let definition = RegisterMap.definition(for: obis, meter: meter), definition.unit == quantity.unit {
                    type = definition.type
                }
                values.append(DataPoint(obis: obis, type: type, value: .number(quantity.value), unit: quantity.unit))
            } else {
                values.append(DataPoint(obis: obis, type: nil, value: .text(P1Field.text(bytes, group, decodeHex: false)),
                                        unit: nil))
            }
        }
        guard !values.isEmpty else { return nil }
        var timestamp: Int64? = nil
        if !useSystemTime, let date, let time,
           let wall = P1Field.civilSeconds(year: date.year, month: date.month, day: date.day,
                                           hour: time.hour, minute: time.minute, second: time.second) {
            timestamp = zone.utcSeconds(fromWallClock: wall)
        }
        return Reading(source: sourceOverride ?? meterID ?? fallbackSource, timestamp: timestamp ?? now(), values: values)
    }

    private static func digits(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> [Int] {
        range.compactMap { index in
            let digit = bytes[index] &- UInt8(ascii: "0")
            return digit < 10 ? Int(digit) : nil
        }
    }
}

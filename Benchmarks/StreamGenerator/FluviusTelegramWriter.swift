/// Belgian Fluvius e-MUCS P1 telegrams with the lines of `testdata/dsmr/fluvius-v171.txt`
/// (ndokter/dsmr_parser `test/example_telegrams.py` TELEGRAM_FLUVIUS_V171 @fa20ee45a310): same objects, widths and
/// units, new values each second, CRLF line ends and a valid CRC-16/ARC over `/` to `!`.
struct FluviusTelegramWriter {
    private var clock = CivilDateTime(year: 2026, month: 1, day: 10, hour: 0, minute: 0, second: 0)
    private var energy: [Double] = [34.0, 15_758.0, 0, 11.0]   // Wh: 1.8.1, 1.8.2, 2.8.1, 2.8.2
    private var gas = 112.384
    private var water = 872.234

    /// `YYMMDDhhmmssW`: these telegrams stay in winter time.
    private static func stamp(_ time: CivilDateTime) -> String {
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return two(time.year % 100) + two(time.month) + two(time.day) + two(time.hour) + two(time.minute)
            + two(time.second) + "W"
    }

    /// `value` with `decimals` decimals, zero-padded to `integerDigits` before the point.
    private static func fixed(_ value: Double, _ integerDigits: Int, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        var integer = String(scaled / Int(scale))
        while integer.count < integerDigits { integer = "0" + integer }
        guard decimals > 0 else { return integer }
        var fraction = String(scaled % Int(scale))
        while fraction.count < decimals { fraction = "0" + fraction }
        return integer + "." + fraction
    }

    mutating func next<R: RandomNumberGenerator>(using random: inout R) -> [UInt8] {
        clock.advance(seconds: 1)
        let night = clock.hour < 7 || clock.hour >= 22
        let phases = (0..<3).map { _ in Double.random(in: 0...4.5, using: &random) }
        let power = phases.reduce(0, +)
        energy[night ? 1 : 0] += power * 1000 / 3600
        let exportPower = Double.random(in: 0...1, using: &random) < 0.2 ? Double.random(in: 0...3, using: &random) : 0
        energy[night ? 3 : 2] += exportPower * 1000 / 3600
        gas += Double.random(in: 0...0.002, using: &random)
        water += Double.random(in: 0...0.001, using: &random)
        let now = Self.stamp(clock)
        var gasTime = clock
        gasTime.minute -= gasTime.minute % 5
        gasTime.second = 0
        let voltages = (0..<3).map { _ in Double.random(in: 225...245, using: &random) }

        var lines = [
            "/FLU5\\253769484_A", "",
            "0-0:96.1.4(50217)",
            "0-0:96.1.1(3153414733313031303231363035)",
            "0-0:1.0.0(\(now))",
            "1-0:1.8.1(\(Self.fixed(energy[0] / 1000, 6, 3))*kWh)",
            "1-0:1.8.2(\(Self.fixed(energy[1] / 1000, 6, 3))*kWh)",
            "1-0:2.8.1(\(Self.fixed(energy[2] / 1000, 6, 3))*kWh)",
            "1-0:2.8.2(\(Self.fixed(energy[3] / 1000, 6, 3))*kWh)",
            "1-0:1.4.0(\(Self.fixed(Double.random(in: 0...9, using: &random), 2, 3))*kW)",
            "1-0:1.6.0(260105183000W)(\(Self.fixed(Double.random(in: 2...9, using: &random), 2, 3))*kW)",
            "0-0:98.1.0(3)(1-0:1.6.0)(1-0:1.6.0)(260101000000W)(251223192538W)(03.695*kW)"
                + "(251201000000W)(251105122139W)(05.980*kW)(251101000000W)(251010035421S)(04.318*kW)",
            "0-0:96.14.0(\(night ? "0002" : "0001"))",
            "1-0:1.7.0(\(Self.fixed(power, 2, 3))*kW)",
            "1-0:2.7.0(\(Self.fixed(exportPower, 2, 3))*kW)",
        ]
        for index in 0..<3 { lines.append("1-0:\([21, 41, 61][index]).7.0(\(Self.fixed(phases[index], 2, 3))*kW)") }
        for index in 0..<3 { lines.append("1-0:\([22, 42, 62][index]).7.0(\(Self.fixed(exportPower / 3, 2, 3))*kW)") }
        for index in 0..<3 { lines.append("1-0:\([32, 52, 72][index]).7.0(\(Self.fixed(voltages[index], 3, 1))*V)") }
        for index in 0..<3 {
            lines.append("1-0:\([31, 51, 71][index]).7.0(\(Self.fixed(phases[index] * 1000 / voltages[index], 3, 2))*A)")
        }
        lines += [
            "0-0:96.3.10(1)",
            "0-0:17.0.0(999.9*kW)",
            "1-0:31.4.0(999*A)",
            "0-0:96.13.0()",
            "0-1:24.1.0(003)",
            "0-1:96.1.1(37464C4F32313139303333373333)",
            "0-1:24.4.0(1)",
            "0-1:24.2.3(\(Self.stamp(gasTime)))(\(Self.fixed(gas, 5, 3))*m3)",
            "0-2:24.1.0(007)",
            "0-2:96.1.1(3853414731323334353637383930)",
            "0-2:24.2.1(\(Self.stamp(gasTime)))(\(Self.fixed(water, 5, 3))*m3)",
            "!",
        ]
        var telegram = Array(lines.joined(separator: "\r\n").utf8)
        let crc = Checksums.arc(telegram)
        let hex = Array("0123456789ABCDEF".utf8)
        telegram += [hex[Int(crc >> 12)], hex[Int((crc >> 8) & 0xF)], hex[Int((crc >> 4) & 0xF)], hex[Int(crc & 0xF)],
                     0x0D, 0x0A]
        return telegram
    }
}

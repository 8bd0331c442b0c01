import Protocols

/// What a value means to Home Assistant: the entity a data point becomes, or nil when it has no meaning we know
/// (an unknown OBIS code, or a known one in a unit we do not expect) and so gets no entity.
///
/// Facts from IEC 62056-61 (OBIS: C = quantity, D = processing, E = tariff) and the DSMR/e-MUCS P1 companion
/// standards (M-Bus channels on B = 1...4, device type in 0-n:24.1.0); device classes, state classes and units as
/// Home Assistant's sensor documentation lists them.
public struct ObisMeaning: Sendable, Equatable {
    public enum DeviceClass: String, Sendable {
        case energy, power, reactive_power, apparent_power, voltage, current, frequency, power_factor, gas, water
        case timestamp
        // No `reactive_energy`: Home Assistant 2025.4 (the oldest we test) rejects an entity with it; reactive
        // energy goes without a device class (kvarh, total_increasing), which every version accepts.
    }

    public enum StateClass: String, Sendable {
        case measurement, total_increasing
    }

    /// The entity's name under its device (`Energy import`); Home Assistant puts the device's name before it.
    public var name: String
    public var deviceClass: DeviceClass?
    public var stateClass: StateClass?
    /// The unit Home Assistant shows; nil for power factors and the tariff indicator.
    public var unit: String?
    /// The collector's value divided by this gives Home Assistant's (1000: Wh -> kWh).
    public var divisor: Double
    /// Diagnostic entities (meter id, firmware, last reading) sit apart from the measurements.
    public var diagnostic: Bool
    /// Shown digits; nil lets Home Assistant decide.
    public var precision: Int?

    init(_ name: String, _ deviceClass: DeviceClass?, _ stateClass: StateClass?, _ unit: String?, divisor: Double = 1,
         diagnostic: Bool = false, precision: Int? = nil) {
        self.name = name
        self.deviceClass = deviceClass
        self.stateClass = stateClass
        self.unit = unit
        self.divisor = divisor
        self.diagnostic = diagnostic
        self.precision = precision
    }

    /// The meaning of `point` within `reading` (the reading tells an M-Bus channel's device type), or nil.
    public static func of(_ point: DataPoint, in reading: Reading) -> ObisMeaning? {
        let obis = point.obis
        switch point.value {
        case .text:
            guard obis.b == 0 || obis.a == 1, obis.f == 255, let name = textNames[Key(obis.a, obis.c, obis.d, obis.e)] else {
                return nil
            }
            return ObisMeaning(name, nil, nil, nil, diagnostic: true)
        case .number:
            break
        }
        // F = 255 is the current value; other F are historical values (the Belgian peaks of past months).
        guard obis.f == 255 else { return nil }
        if obis.a == 0, obis.b >= 1, obis.c == 24, obis.d == 2 {
            return mbus(channel: obis.b, unit: point.unit, in: reading)
        }
        guard obis.a == 1 || obis.b == 0, let (meaning, sourceUnit) = numbers[Key(obis.a, obis.c, obis.d, obis.e)],
              point.unit == sourceUnit else {
            return nil
        }
        return meaning
    }

    /// A meter behind a P1 meter: gas, water or heat by the channel's device type (M-Bus medium: 3 gas, 7 water),
    /// else by unit (m³ without a device type is gas, the common case; GJ or Wh is heat). A second meter of the same
    /// kind is named with its channel.
    static func mbus(channel: UInt8, unit: String?, in reading: Reading) -> ObisMeaning? {
        guard let medium = Medium(channel: channel, unit: unit, in: reading) else { return nil }
        let another = reading.values.contains { point in
            let obis = point.obis
            return obis.a == 0 && obis.b >= 1 && obis.b < channel && obis.c == 24 && obis.d == 2 && obis.f == 255
                && Medium(channel: obis.b, unit: point.unit, in: reading) == medium
        }
        let suffix = another ? " (channel \(channel))" : ""
        switch medium {
        case .gas: return ObisMeaning("Gas" + suffix, .gas, .total_increasing, "m³", precision: 3)
        case .water: return ObisMeaning("Water" + suffix, .water, .total_increasing, "m³", precision: 3)
        case .heatGJ: return ObisMeaning("Heat" + suffix, .energy, .total_increasing, "GJ", precision: 3)
        case .heatWh: return ObisMeaning("Heat" + suffix, .energy, .total_increasing, "kWh", divisor: 1000, precision: 3)
        }
    }

    enum Medium: Equatable {
        case gas, water, heatGJ, heatWh

        init?(channel: UInt8, unit: String?, in reading: Reading) {
            let deviceType = reading.values.first { $0.obis.a == 0 && $0.obis.b == channel && $0.obis.hasCDE(24, 1, 0) }?
                .value.number.map { Int($0) }
            switch (unit, deviceType) {
            case ("m3", 7?): self = .water
            case ("m3", 3?), ("m3", nil): self = .gas
            case ("GJ", _): self = .heatGJ
            case ("Wh", _): self = .heatWh
            default: return nil
            }
        }
    }

    struct Key: Hashable {
        let a: UInt8, c: UInt8, d: UInt8, e: UInt8
        init(_ a: UInt8, _ c: UInt8, _ d: UInt8, _ e: UInt8) { self.a = a; self.c = c; self.d = d; self.e = e }
    }

    /// Text values worth seeing (where the layout carries texts: `mqttjson`).
    static let textNames: [Key: String] = [
        Key(0, 96, 1, 0): "Meter id", Key(0, 96, 1, 1): "Meter id", Key(0, 42, 0, 0): "Logical device name",
        Key(1, 0, 2, 0): "Firmware", Key(0, 96, 1, 4): "P1 version",
    ]

    /// Numbers: the meaning and the unit the collector gives them in (an unexpected unit means another quantity).
    static let numbers: [Key: (ObisMeaning, String?)] = {
        var table: [Key: (ObisMeaning, String?)] = [:]
        func add(_ c: UInt8, _ d: UInt8, _ e: UInt8, _ meaning: ObisMeaning, from unit: String?, a: UInt8 = 1) {
            table[Key(a, c, d, e)] = (meaning, unit)
        }
        let tariffs: [(UInt8, String)] = [(0, ""), (1, " tariff 1"), (2, " tariff 2")]
        for (e, tariff) in tariffs {
            add(1, 8, e, ObisMeaning("Energy import" + tariff, .energy, .total_increasing, "kWh", divisor: 1000, precision: 3), from: "Wh")
            add(2, 8, e, ObisMeaning("Energy export" + tariff, .energy, .total_increasing, "kWh", divisor: 1000, precision: 3), from: "Wh")
            add(3, 8, e, ObisMeaning("Reactive energy import" + tariff, nil, .total_increasing, "kvarh", divisor: 1000, precision: 3), from: "varh")
            add(4, 8, e, ObisMeaning("Reactive energy export" + tariff, nil, .total_increasing, "kvarh", divisor: 1000, precision: 3), from: "varh")
            for (c, quadrant) in [(UInt8(5), "Q1"), (6, "Q2"), (7, "Q3"), (8, "Q4")] {
                add(c, 8, e, ObisMeaning("Reactive energy \(quadrant)" + tariff, nil, .total_increasing, "kvarh", divisor: 1000, precision: 3), from: "varh")
            }
        }
        add(1, 7, 0, ObisMeaning("Power import", .power, .measurement, "W"), from: "W")
        add(2, 7, 0, ObisMeaning("Power export", .power, .measurement, "W"), from: "W")
        for (phase, c) in [(1, UInt8(21)), (2, 41), (3, 61)] {
            add(c, 7, 0, ObisMeaning("Power import L\(phase)", .power, .measurement, "W"), from: "W")
            add(c + 1, 7, 0, ObisMeaning("Power export L\(phase)", .power, .measurement, "W"), from: "W")
            add(c + 10, 7, 0, ObisMeaning("Current L\(phase)", .current, .measurement, "A"), from: "A")
            add(c + 11, 7, 0, ObisMeaning("Voltage L\(phase)", .voltage, .measurement, "V"), from: "V")
            add(c + 12, 7, 0, ObisMeaning("Power factor L\(phase)", .power_factor, .measurement, nil), from: nil)
        }
        add(91, 7, 0, ObisMeaning("Current neutral", .current, .measurement, "A"), from: "A")
        add(3, 7, 0, ObisMeaning("Reactive power import", .reactive_power, .measurement, "var"), from: "var")
        add(4, 7, 0, ObisMeaning("Reactive power export", .reactive_power, .measurement, "var"), from: "var")
        for (c, quadrant) in [(UInt8(5), "Q1"), (6, "Q2"), (7, "Q3"), (8, "Q4")] {
            add(c, 7, 0, ObisMeaning("Reactive power \(quadrant)", .reactive_power, .measurement, "var"), from: "var")
        }
        add(9, 7, 0, ObisMeaning("Apparent power import", .apparent_power, .measurement, "VA"), from: "VA")
        add(10, 7, 0, ObisMeaning("Apparent power export", .apparent_power, .measurement, "VA"), from: "VA")
        add(13, 7, 0, ObisMeaning("Power factor", .power_factor, .measurement, nil), from: nil)
        add(14, 7, 0, ObisMeaning("Frequency", .frequency, .measurement, "Hz"), from: "Hz")
        // Belgian capacity tariff: the current quarter-hour's average demand and this month's peak, in kW.
        add(1, 4, 0, ObisMeaning("Average demand", .power, .measurement, "kW", divisor: 1000, precision: 3), from: "W")
        add(1, 6, 0, ObisMeaning("Month peak demand", .power, .measurement, "kW", divisor: 1000, precision: 3), from: "W")
        add(96, 14, 0, ObisMeaning("Tariff", nil, nil, nil), from: nil, a: 0)
        return table
    }()
}

/// What an electricity register (A = 1) means: its data point type, unit and the decimal exponent to apply when the
/// meter does not push a scaler.
public struct RegisterDefinition: Sendable, Equatable {
    public var type: DataPointType
    public var unit: String?
    /// Value = raw x 10^exponent (e.g. -2 for a current pushed in 0.01 A).
    public var exponent: Int
}

/// The register map: OBIS C.D.E of electricity registers -> data point type and unit, with per-meter scaling.
public enum RegisterMap {
    /// The quantity a register measures; scaling by meter type comes from `exponent(for:meter:)`.
    public static func definition(for obis: ObisCode, meter: MeterType) -> RegisterDefinition? {
        guard obis.a == 1, let (type, unit) = quantities[Key(obis)] else { return nil }
        return RegisterDefinition(type: type, unit: unit, exponent: meter.defaultExponent(for: type))
    }

    private struct Key: Hashable {
        let c: UInt8, d: UInt8, e: UInt8
        init(_ c: UInt8, _ d: UInt8, _ e: UInt8) { self.c = c; self.d = d; self.e = e }
        init(_ obis: ObisCode) { self.init(obis.c, obis.d, obis.e) }
    }

    private static let quantities: [Key: (DataPointType, String?)] = {
        var map: [Key: (DataPointType, String?)] = [:]
        func add(_ c: UInt8, _ d: UInt8, _ e: UInt8, _ type: DataPointType, _ unit: String?) {
            map[Key(c, d, e)] = (type, unit)
        }
        // Instantaneous power (D = 7).
        add(1, 7, 0, .ACTIVE_POWER_P, "W"); add(2, 7, 0, .ACTIVE_POWER_N, "W")
        add(21, 7, 0, .ACTIVE_POWER_P_L1, "W"); add(41, 7, 0, .ACTIVE_POWER_P_L2, "W")
        add(61, 7, 0, .ACTIVE_POWER_P_L3, "W")
        add(22, 7, 0, .ACTIVE_POWER_N_L1, "W"); add(42, 7, 0, .ACTIVE_POWER_N_L2, "W")
        add(62, 7, 0, .ACTIVE_POWER_N_L3, "W")
        add(3, 7, 0, .REACTIVE_POWER_P, "var"); add(4, 7, 0, .REACTIVE_POWER_N, "var")
        add(5, 7, 0, .REACTIVE_POWER_Q1, "var"); add(6, 7, 0, .REACTIVE_POWER_Q2, "var")
        add(7, 7, 0, .REACTIVE_POWER_Q3, "var"); add(8, 7, 0, .REACTIVE_POWER_Q4, "var")
        add(9, 7, 0, .APPARENT_POWER_P, "VA"); add(10, 7, 0, .APPARENT_POWER_N, "VA")
        // Energy registers (D = 8), total and tariffs 1 and 2.
        add(1, 8, 0, .ACTIVE_ENERGY_P, "Wh"); add(1, 8, 1, .ACTIVE_ENERGY_P_T1, "Wh")
        add(1, 8, 2, .ACTIVE_ENERGY_P_T2, "Wh")
        add(2, 8, 0, .ACTIVE_ENERGY_N, "Wh"); add(2, 8, 1, .ACTIVE_ENERGY_N_T1, "Wh")
        add(2, 8, 2, .ACTIVE_ENERGY_N_T2, "Wh")
        add(3, 8, 0, .REACTIVE_ENERGY_P, "varh"); add(3, 8, 1, .REACTIVE_ENERGY_P_T1, "varh")
        add(3, 8, 2, .REACTIVE_ENERGY_P_T2, "varh")
        add(4, 8, 0, .REACTIVE_ENERGY_N, "varh"); add(4, 8, 1, .REACTIVE_ENERGY_N_T1, "varh")
        add(4, 8, 2, .REACTIVE_ENERGY_N_T2, "varh")
        add(5, 8, 0, .REACTIVE_ENERGY_Q1, "varh"); add(5, 8, 1, .REACTIVE_ENERGY_Q1_T1, "varh")
        add(5, 8, 2, .REACTIVE_ENERGY_Q1_T2, "varh")
        add(6, 8, 0, .REACTIVE_ENERGY_Q2, "varh"); add(6, 8, 1, .REACTIVE_ENERGY_Q2_T1, "varh")
        add(6, 8, 2, .REACTIVE_ENERGY_Q2_T2, "varh")
        add(7, 8, 0, .REACTIVE_ENERGY_Q3, "varh"); add(7, 8, 1, .REACTIVE_ENERGY_Q3_T1, "varh")
        add(7, 8, 2, .REACTIVE_ENERGY_Q3_T2, "varh")
        add(8, 8, 0, .REACTIVE_ENERGY_Q4, "varh"); add(8, 8, 1, .REACTIVE_ENERGY_Q4_T1, "varh")
        add(8, 8, 2, .REACTIVE_ENERGY_Q4_T2, "varh")
        // Currents, voltages, power factors, frequency.
        add(31, 7, 0, .CURRENT_L1, "A"); add(51, 7, 0, .CURRENT_L2, "A"); add(71, 7, 0, .CURRENT_L3, "A")
        add(91, 7, 0, .CURRENT_N, "A")
        add(32, 7, 0, .VOLTAGE_L1, "V"); add(52, 7, 0, .VOLTAGE_L2, "V"); add(72, 7, 0, .VOLTAGE_L3, "V")
        add(13, 7, 0, .POWER_FACTOR, nil); add(33, 7, 0, .POWER_FACTOR_L1, nil)
        add(53, 7, 0, .POWER_FACTOR_L2, nil); add(73, 7, 0, .POWER_FACTOR_L3, nil)
        add(14, 7, 0, .NET_FREQUENCY, "Hz")
        return map
    }()
}

/// DLMS unit codes (IEC 62056-6-2, enum `unit`) as text; 255 ("count", no unit) is nil.
public enum DLMSUnit {
    public static func name(code: UInt8) -> String? {
        switch code {
        case 1: return "a"
        case 2: return "mo"
        case 3: return "wk"
        case 4: return "d"
        case 5: return "h"
        case 6: return "min"
        case 7: return "s"
        case 8: return "°"
        case 9: return "°C"
        case 13: return "m3"
        case 14: return "m3"
        case 15: return "m3/h"
        case 16: return "m3/h"
        case 17: return "m3/d"
        case 18: return "m3/d"
        case 19: return "l"
        case 20: return "kg"
        case 21: return "N"
        case 22: return "Nm"
        case 23: return "Pa"
        case 24: return "bar"
        case 25: return "J"
        case 26: return "J/h"
        case 27: return "W"
        case 28: return "VA"
        case 29: return "var"
        case 30: return "Wh"
        case 31: return "VAh"
        case 32: return "varh"
        case 33: return "A"
        case 34: return "C"
        case 35: return "V"
        case 36: return "V/m"
        case 37: return "F"
        case 38: return "Ω"
        case 44: return "Hz"
        case 45: return "1/(Wh)"
        case 46: return "1/(varh)"
        case 47: return "1/(VAh)"
        case 48: return "V²h"
        case 49: return "A²h"
        case 50: return "kg/s"
        case 51: return "S"
        case 52: return "K"
        case 56: return "%"
        case 57: return "Ah"
        default: return nil
        }
    }
}

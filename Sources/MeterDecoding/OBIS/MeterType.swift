/// The meters we decode, with what differs between them: link layer, serial defaults and scaling of values the
/// meter pushes without a scaler.
public enum MeterType: String, Sendable, CaseIterable {
    case lge450, lge360, lge570, iskraam550, kamstrup_han, aidon, kaifa, netznoe
    /// Kamstrup HAN port with the Swedish lists: the same frames as `kamstrup_han` (Norwegian lists), but energy
    /// registers count Wh where the Norwegian lists count 10 Wh.
    case kamstrup_han_se
    /// DSMR P1 text telegrams: 4.x/5.x (and the generic P1 variants of other countries), 2.2/3, Belgian e-MUCS,
    /// Luxembourg Smarty (encrypted).
    case dsmr, dsmr22, fluvius, smarty
    /// IEC 62056-21 mode C readout.
    case siemens_td3511

    public enum LinkLayer: Sendable {
        case hdlc, mbus
        /// P1 text telegrams `/ ... !CRC`.
        case p1
        /// P1 telegrams wrapped in DLMS general-glo-ciphering frames (Luxembourg).
        case encryptedP1
        /// IEC 62056-21 data readout.
        case iec62056_21
    }

    /// The meter's serial line: speed, parity, data and stop bits (`SerialLineSettings`, which the serial port takes).
    public typealias SerialSettings = SerialLineSettings

    public var linkLayer: LinkLayer {
        switch self {
        case .netznoe: return .mbus
        case .lge450, .lge360, .lge570, .iskraam550, .kamstrup_han, .kamstrup_han_se, .aidon, .kaifa: return .hdlc
        case .dsmr, .dsmr22, .fluvius: return .p1
        case .smarty: return .encryptedP1
        case .siemens_td3511: return .iec62056_21
        }
    }

    /// The zone a reader assumes for meter times when its `timezone` option is not set, or nil for the system's.
    /// P1 meters are Belgian, Dutch or Luxembourgish far more often than not.
    public var defaultTimeZoneIdentifier: String? {
        switch self {
        case .dsmr, .dsmr22, .fluvius, .smarty: return "Europe/Brussels"
        case .lge450, .lge360, .lge570, .iskraam550, .kamstrup_han, .kamstrup_han_se, .aidon, .kaifa, .netznoe,
             .siemens_td3511: return nil
        }
    }

    public var serialDefaults: SerialSettings {
        switch self {
        case .lge450, .lge360, .lge570: return SerialSettings(baudrate: 2400, parity: "E", dataBits: 8, stopBits: 1)
        case .iskraam550: return SerialSettings(baudrate: 115_200, parity: "N", dataBits: 8, stopBits: 1)
        case .kamstrup_han, .kamstrup_han_se: return SerialSettings(baudrate: 2400, parity: "N", dataBits: 8, stopBits: 1)
        case .aidon, .kaifa: return SerialSettings(baudrate: 2400, parity: "E", dataBits: 8, stopBits: 1)
        case .netznoe: return SerialSettings(baudrate: 2400, parity: "E", dataBits: 8, stopBits: 1)
        case .dsmr, .fluvius, .smarty: return SerialSettings(baudrate: 115_200, parity: "N", dataBits: 8, stopBits: 1)
        case .dsmr22: return SerialSettings(baudrate: 9600, parity: "E", dataBits: 7, stopBits: 1)
        // Sign-on speed; the readout continues at the speed the meter offers (see IEC62056ModeCSession).
        case .siemens_td3511: return SerialSettings(baudrate: 300, parity: "E", dataBits: 7, stopBits: 1)
        }
    }

    /// Human description with the country or operator hints users know.
    public var summary: String {
        switch self {
        case .lge450: return "Landis+Gyr E450 (EKZ and other Swiss utilities, CII port, HDLC/DLMS)"
        case .lge360: return "Landis+Gyr E360 (HDLC/DLMS)"
        case .lge570: return "Landis+Gyr E570 (CT meter, HDLC/DLMS)"
        case .iskraam550: return "Iskraemeco AM550 (HDLC/DLMS on the P1 port)"
        case .kamstrup_han: return "Kamstrup Omnipower HAN port, Norwegian lists (energy in 10 Wh; also Danish, Swiss)"
        case .kamstrup_han_se: return "Kamstrup Omnipower HAN port, Swedish lists (energy in Wh)"
        case .aidon: return "Aidon HAN port (Norway, Sweden)"
        case .kaifa: return "Kaifa MA304/MA105 HAN port (Norway)"
        case .netznoe: return "EVN / Netz Niederoesterreich customer interface (Kaifa MA309M, M-Bus, encrypted)"
        case .dsmr: return "DSMR 4/5 P1 port (Netherlands; also Swedish, Irish, Hungarian, Austrian P1 and EasyMeter Q3D)"
        case .dsmr22: return "DSMR 2.2/3 P1 port (older Dutch meters, 9600 7E1)"
        case .fluvius: return "Fluvius e-MUCS P1 port (Belgium)"
        case .smarty: return "Luxembourg Smarty P1 port (encrypted DSMR, needs key)"
        case .siemens_td3511: return "Siemens TD-3511 (IEC 62056-21 mode C optical/serial readout)"
        }
    }

    /// Decimal exponent for a register pushed without scaler_unit. The reference collector's defaults are
    /// currents in 0.01 A and power factors in 0.001; meters differ as noted.
    public func defaultExponent(for type: DataPointType) -> Int {
        switch type {
        case .CURRENT_L1, .CURRENT_L2, .CURRENT_L3, .CURRENT_N:
            switch self {
            case .lge570: return 0          // CT meter: whole amperes
            case .kaifa: return -3          // Kaifa HAN lists: mA
            case .lge450, .lge360, .iskraam550, .kamstrup_han, .kamstrup_han_se, .aidon, .netznoe: return -2
            case .dsmr, .dsmr22, .fluvius, .smarty, .siemens_td3511: return 0   // text protocols carry units
            }
        case .VOLTAGE_L1, .VOLTAGE_L2, .VOLTAGE_L3:
            switch self {
            case .lge360, .iskraam550, .kaifa: return -1   // 0.1 V
            case .lge450, .lge570, .kamstrup_han, .kamstrup_han_se, .aidon, .netznoe: return 0
            case .dsmr, .dsmr22, .fluvius, .smarty, .siemens_td3511: return 0
            }
        case .POWER_FACTOR, .POWER_FACTOR_L1, .POWER_FACTOR_L2, .POWER_FACTOR_L3:
            return -3
        case .ACTIVE_ENERGY_P, .ACTIVE_ENERGY_N, .REACTIVE_ENERGY_P, .REACTIVE_ENERGY_N:
            // Kamstrup's Norwegian HAN list 3 counts energy in 0.01 kWh / 0.01 kvarh (amshan's real Norwegian sample:
            // raw 7745250 = 77452.500 kWh); the Swedish list counts Wh (amsreader-firmware issue 239: the Norwegian
            // factor showed ten times the meter's register). Both hold in testdata/hdlc/kamstrup-*.
            return self == .kamstrup_han ? 1 : 0
        default:
            return 0
        }
    }

    /// The implied OBIS codes of a values-only list (no OBIS on the wire), by list length, or nil when the meter
    /// always sends OBIS codes. Kaifa lists per the Norwegian HAN specification (NEK): list 1 = active power import;
    /// lists 2 and 3 for one- and three-phase meters.
    public func impliedObisCodes(forListOf count: Int) -> [ObisCode]? {
        guard self == .kaifa else { return nil }
        let header: [ObisCode] = ["1-1:0.2.129*255", "0-0:96.1.0*255", "0-0:96.1.7*255"]
        let powers: [ObisCode] = ["1-0:1.7.0*255", "1-0:2.7.0*255", "1-0:3.7.0*255", "1-0:4.7.0*255"]
        let energies: [ObisCode] = ["0-0:1.0.0*255", "1-0:1.8.0*255", "1-0:2.8.0*255", "1-0:3.8.0*255", "1-0:4.8.0*255"]
        let onePhase: [ObisCode] = ["1-0:31.7.0*255", "1-0:32.7.0*255"]
        let threePhase: [ObisCode] = ["1-0:31.7.0*255", "1-0:51.7.0*255", "1-0:71.7.0*255",
                                      "1-0:32.7.0*255", "1-0:52.7.0*255", "1-0:72.7.0*255"]
        switch count {
        case 1: return ["1-0:1.7.0*255"]
        case 9: return header + powers + onePhase
        case 13: return header + powers + threePhase
        case 14: return header + powers + onePhase + energies
        case 18: return header + powers + threePhase + energies
        default: return nil
        }
    }
}

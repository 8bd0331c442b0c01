import Protocols

/// The rows one reading gives the Belgian P1 logger's tables, in that logger's units (kWh, kW, kvar, kvarh, V, A,
/// m3): electricity values under short names, M-Bus meter readings, the running peak demand and the 13-month peak
/// history. Values without a row (texts, counters, power factors) are not stored. The M-Bus id is the channel's
/// equipment identifier (0-n:96.1.1 or 0-n:96.1.0), its type the device type 0-n:24.1.0 (3 gas, 7 water).
public struct PremisesRows: Sendable, Equatable {
    public struct Electricity: Sendable, Equatable {
        public var time: Int64, device: String, name: String, value: Double
        public init(time: Int64, device: String, name: String, value: Double) {
            self.time = time; self.device = device; self.name = name; self.value = value
        }
    }
    public struct MBus: Sendable, Equatable {
        public var time: Int64, device: String, mbusID: String, mbusType: String?, value: Double
        public init(time: Int64, device: String, mbusID: String, mbusType: String?, value: Double) {
            self.time = time; self.device = device; self.mbusID = mbusID; self.mbusType = mbusType; self.value = value
        }
    }
    public struct Peak: Sendable, Equatable {
        public var time: Int64, device: String, value: Double
        public init(time: Int64, device: String, value: Double) {
            self.time = time; self.device = device; self.value = value
        }
    }
    public struct PeakHistory: Sendable, Equatable {
        /// Start of the month.
        public var time: Int64, device: String, occurred: Int64?, value: Double
        public init(time: Int64, device: String, occurred: Int64?, value: Double) {
            self.time = time; self.device = device; self.occurred = occurred; self.value = value
        }
    }

    public var electricity: [Electricity] = []
    public var mbus: [MBus] = []
    public var peaks: [Peak] = []
    public var peakHistory: [PeakHistory] = []

    public init() {}

    public var count: Int { electricity.count + mbus.count + peaks.count + peakHistory.count }
    public var isEmpty: Bool { count == 0 }

    public mutating func append(_ other: PremisesRows) {
        electricity += other.electricity
        mbus += other.mbus
        peaks += other.peaks
        peakHistory += other.peakHistory
    }

    /// The Belgian logger's names (first block) and the same style for what DLMS meters add.
    public static let shortNames: [DataPointType: String] = [
        .ACTIVE_ENERGY_P_T1: "A+(T1)", .ACTIVE_ENERGY_P_T2: "A+(T2)",
        .ACTIVE_ENERGY_N_T1: "A-(T1)", .ACTIVE_ENERGY_N_T2: "A-(T2)",
        .ACTIVE_POWER_P: "P+", .ACTIVE_POWER_N: "P-",
        .VOLTAGE_L1: "U(L1)", .VOLTAGE_L2: "U(L2)", .VOLTAGE_L3: "U(L3)",
        .CURRENT_L1: "I(L1)", .CURRENT_L2: "I(L2)", .CURRENT_L3: "I(L3)",
        .ACTIVE_POWER_P_L1: "P+(L1)", .ACTIVE_POWER_P_L2: "P+(L2)", .ACTIVE_POWER_P_L3: "P+(L3)",
        .ACTIVE_POWER_N_L1: "P-(L1)", .ACTIVE_POWER_N_L2: "P-(L2)", .ACTIVE_POWER_N_L3: "P-(L3)",
        // Beyond the Belgian P1 set:
        .ACTIVE_ENERGY_P: "A+", .ACTIVE_ENERGY_N: "A-",
        .REACTIVE_POWER_P: "Q+", .REACTIVE_POWER_N: "Q-",
        .REACTIVE_ENERGY_P: "R+", .REACTIVE_ENERGY_N: "R-",
        .CURRENT_N: "I(N)",
    ]

    /// M-Bus device types (EN 13757-3) as the logger's `mbus_type`.
    static func mbusTypeName(_ code: Double) -> String {
        switch Int(code) {
        case 3: return "gas"
        case 4: return "heat"
        case 6: return "warm water"
        case 7: return "water"
        case 12: return "heat"
        default: return String(Int(code))
        }
    }

    /// 2000-01-02: M-Bus values captured before are placeholders of absent meters.
    static let placeholderTimes: Int64 = 946_771_200

    /// W, Wh, var, varh to their kilo units; V, A, m3 unchanged.
    static func scaled(_ value: Double, unit: String?) -> Double {
        switch unit {
        case "W", "Wh", "var", "varh": return value / 1000
        default: return value
        }
    }

    public init(_ reading: Reading) {
        let device = reading.source
        var mbusIDs: [UInt8: String] = [:]
        var mbusTypes: [UInt8: String] = [:]
        var months: [UInt8: Int64] = [:]
        for point in reading.values where point.obis.a == 0 {
            let obis = point.obis
            if obis.c == 96 && obis.d == 1 && obis.e <= 1 && obis.b > 0, case .text(let text) = point.value, !text.isEmpty {
                mbusIDs[obis.b] = text
            } else if obis.hasCDE(24, 1, 0) && obis.b > 0, let code = point.value.number {
                mbusTypes[obis.b] = Self.mbusTypeName(code)
            } else if obis.hasCDE(98, 1, 0), obis.f != 255, case .text(let text) = point.value,
                      let month = Self.seconds(iso: text) {
                months[obis.f] = month
            }
        }
        for point in reading.values {
            guard let number = point.value.number, number.isFinite else { continue }
            let obis = point.obis
            let value = Self.scaled(number, unit: point.unit)
            if let type = point.type, let name = Self.shortNames[type], obis.f == 255 || obis.f == 0 {
                electricity.append(Electricity(time: reading.timestamp, device: device, name: name, value: value))
            } else if obis.a == 0, obis.b > 0, obis.c == 24, (obis.d == 2 && (obis.e == 1 || obis.e == 3)) || obis.hasCDE(24, 3, 0) {
                // A meter that is not there sends a placeholder time (1970 or 2000) with a zero.
                if let time = point.timestamp, time < Self.placeholderTimes { continue }
                mbus.append(MBus(time: point.timestamp ?? reading.timestamp, device: device,
                                 mbusID: mbusIDs[obis.b] ?? "channel \(obis.b)", mbusType: mbusTypes[obis.b], value: value))
            } else if obis.a == 1, obis.hasCDE(1, 6, 0) {
                if obis.f == 255 || obis.f == 0 {
                    guard let time = point.timestamp else { continue }
                    peaks.append(Peak(time: time, device: device, value: value))
                } else if let month = months[obis.f] {
                    peakHistory.append(PeakHistory(time: month, device: device, occurred: point.timestamp, value: value))
                }
            }
        }
    }

    /// `2023-01-01T00:00:00Z` (what the P1 builder writes for history months) to seconds since 1970.
    static func seconds(iso text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count == 20, bytes[19] == UInt8(ascii: "Z") else { return nil }
        func number(_ from: Int, _ length: Int) -> Int? {
            var value = 0
            for byte in bytes[from..<from + length] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), let hour = number(11, 2),
              let minute = number(14, 2), let second = number(17, 2) else { return nil }
        return CivilTime.secondsSinceEpoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}

/// One complete message from one meter: who sent it, when, and every value it carried.
/// This is what decoders produce and every sink consumes.
public struct Reading: Sendable, Equatable {
    /// The meter id (logical device name, serial number, ...) or the reader's configured id or port name.
    public var source: String
    /// Seconds since 1970-01-01 UTC.
    public var timestamp: Int64
    public var values: [DataPoint]

    public init(source: String, timestamp: Int64, values: [DataPoint]) {
        self.source = source
        self.timestamp = timestamp
        self.values = values
    }

    /// The first value of the given type.
    public func value(of type: DataPointType) -> DataPoint? {
        values.first { $0.type == type }
    }

    /// The first value with the given OBIS code.
    public func value(obis: ObisCode) -> DataPoint? {
        values.first { $0.obis == obis }
    }
}

/// One value of a reading.
/// (`DataPointBuffer` initialises the stored properties one by one: a new one must be added there too.)
public struct DataPoint: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case number(Double)
        case text(String)

        public var number: Double? {
            if case .number(let n) = self { return n }
            return nil
        }
    }

    public var obis: ObisCode
    /// nil for registers the map does not know; they are still reported with their raw value.
    public var type: DataPointType?
    public var value: Value
    public var unit: String?
    /// When the value carries its own capture time (M-Bus meter readings, a maximum demand and when it occurred),
    /// that time in seconds since 1970-01-01 UTC; nil when the reading's timestamp applies.
    public var timestamp: Int64?

    public init(obis: ObisCode, type: DataPointType?, value: Value, unit: String?, timestamp: Int64? = nil) {
        self.obis = obis
        self.type = type
        self.value = value
        self.unit = unit
        self.timestamp = timestamp
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a decoded data-notification into a `Reading`: picks the meter id and the timestamp, scales registers and
/// names them with the register map. Values the map does not know are reported with their OBIS code and raw value.
public struct ReadingBuilder {
    public var meter: MeterType
    public var zone: ZoneOffsetResolver
    /// Use the system clock even when the meter sends a time (`systemtime` option).
    public var useSystemTime: Bool
    /// Source id when the message carries none (the reader's `id` option or the port name).
    public var fallbackSource: String
    /// Overrides the meter id found in the message (the reader's `id` option).
    public var sourceOverride: String?
    public var now: @Sendable () -> Int64

    public init(meter: MeterType, zone: ZoneOffsetResolver, useSystemTime: Bool = false, fallbackSource: String,
                sourceOverride: String? = nil, now: @escaping @Sendable () -> Int64 = SystemClock.seconds) {
        self.meter = meter
        self.zone = zone
        self.useSystemTime = useSystemTime
        self.fallbackSource = fallbackSource
        self.sourceOverride = sourceOverride
        self.now = now
    }

    /// nil when the message holds no values.
    public func reading(from notification: DataNotification) -> Reading? {
        let objects = CosemObjectList(body: notification.body, meter: meter)
        let entries = objects.entries
        let idIndex = meterIDIndex(in: entries)
        let source: String
        if let sourceOverride {
            source = sourceOverride
        } else if let idIndex, let id = Self.printableText(entries[idIndex].value) {
            source = id
        } else if let id = objects.unlabelled.reversed().lazy.compactMap({ Self.printableText($0) }).first {
            source = id
        } else {
            source = fallbackSource
        }

        let clockIndex = entries.firstIndex { $0.obis.a == 0 && $0.obis.hasCDE(1, 0, 0) && $0.value.dateTimeValue != nil }
        var timestamp: Int64? = nil
        if !useSystemTime {
            timestamp = clockIndex.flatMap { entries[$0].value.dateTimeValue?.utcSeconds(in: zone) }
                ?? notification.dateTime?.utcSeconds(in: zone)
                ?? objects.unlabelled.lazy.compactMap { $0.dateTimeValue?.utcSeconds(in: self.zone) }.first
        }

        var values: [DataPoint] = []
        values.reserveCapacity(entries.count)
        for index in entries.indices where index != idIndex && index != clockIndex {
            if let point = dataPoint(entries[index]) { values.append(point) }
        }
        guard !values.isEmpty else { return nil }
        return Reading(source: source, timestamp: timestamp ?? now(), values: values)
    }

    private func dataPoint(_ entry: CosemObjectList.Entry) -> DataPoint? {
        if let raw = entry.value.number {
            let definition = RegisterMap.definition(for: entry.obis, meter: meter)
            let exponent = entry.scaler ?? definition?.exponent ?? 0
            let unit = entry.unitCode.map(DLMSUnit.name(code:)) ?? definition?.unit
            return DataPoint(obis: entry.obis, type: definition?.type, value: .number(Self.scale(raw, exponent)), unit: unit)
        }
        if let text = Self.text(entry.value) {
            return DataPoint(obis: entry.obis, type: nil, value: .text(text), unit: nil)
        }
        return nil
    }

    /// raw x 10^exponent, dividing for negative exponents so that 2347 x 10^-1 is exactly 234.7.
    static func scale(_ raw: Double, _ exponent: Int) -> Double {
        guard exponent != 0 else { return raw }
        var power = 1.0
        for _ in 0..<min(abs(exponent), 30) { power *= 10 }
        return exponent > 0 ? raw * power : raw / power
    }

    /// 0-0:42.0.0 (logical device name), else 0-x:96.1.x (serial numbers), else 1-x:0.0.x, with printable text.
    private func meterIDIndex(in entries: [CosemObjectList.Entry]) -> Int? {
        for rule in 0..<3 {
            for index in entries.indices where Self.isMeterID(entries[index].obis, rule: rule) {
                if Self.printableText(entries[index].value) != nil { return index }
            }
        }
        return nil
    }

    private static func isMeterID(_ obis: ObisCode, rule: Int) -> Bool {
        switch rule {
        case 0: return obis.a == 0 && obis.hasCDE(42, 0, 0)
        case 1: return obis.a == 0 && obis.c == 96 && obis.d == 1
        default: return obis.a == 1 && obis.c == 0 && obis.d == 0
        }
    }

    /// The string as text when every byte is printable ASCII (surrounding spaces and NULs trimmed).
    static func printableText(_ value: DLMSValue) -> String? {
        guard let bytes = value.stringBytes else { return nil }
        let trimmed = bytes.drop { $0 == 0 || $0 == 0x20 }.reversed().drop { $0 == 0 || $0 == 0x20 }.reversed()
        guard !trimmed.isEmpty, trimmed.allSatisfy({ (0x20..<0x7F).contains($0) }) else { return nil }
        return String(decoding: trimmed, as: UTF8.self)
    }

    /// Any string as text: printable text as it is, other bytes as hex; a date-time as ISO local time.
    static func text(_ value: DLMSValue) -> String? {
        if let printable = printableText(value) { return printable }
        if let dateTime = value.dateTimeValue, let seconds = dateTime.wallClockSeconds {
            return String(CivilTime.iso8601(seconds).dropLast())
        }
        if let bytes = value.stringBytes { return Hex.string(bytes) }
        return nil
    }
}

/// The system clock in whole seconds since 1970 (UTC).
public enum SystemClock {
    @Sendable public static func seconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}

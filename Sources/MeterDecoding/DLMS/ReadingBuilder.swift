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

    /// Reused from message to message.
    private var objects = CosemObjectList()
    private var registers = RegisterDefinitionCache()
    private var lastSource: (bytes: [UInt8], text: String) = ([], "")

    /// nil when the message holds no values.
    public func reading(from notification: DataNotification) -> Reading? {
        var builder = self
        return builder.reading(from: DecodedNotification(notification))
    }

    /// nil when the message holds no values.
    mutating func reading(from notification: DecodedNotification) -> Reading? {
        let tape = notification.body
        guard tape.count > 0 else { return nil }
        objects.collect(tape, meter: meter)
        let entries = objects.entries
        let idIndex = meterIDIndex(in: entries, tape)
        let source: String
        if let sourceOverride {
            source = sourceOverride
        } else if let idIndex, let range = Self.printableRange(tape, entries[idIndex].value) {
            source = sourceText(tape, range)
        } else if let id = objects.unlabelled.reversed().lazy.compactMap({ Self.printableText(tape, $0) }).first {
            source = id
        } else {
            source = fallbackSource
        }

        let clockIndex = entries.firstIndex { $0.obis.a == 0 && $0.obis.hasCDE(1, 0, 0) && tape.dateTime($0.value) != nil }
        var timestamp: Int64? = nil
        if !useSystemTime {
            let zone = self.zone
            timestamp = clockIndex.flatMap { tape.dateTime(entries[$0].value)?.utcSeconds(in: zone) }
                ?? notification.dateTime?.utcSeconds(in: zone)
                ?? objects.unlabelled.lazy.compactMap { tape.dateTime($0)?.utcSeconds(in: zone) }.first
        }

        var values: [DataPoint] = []
        values.reserveCapacity(entries.count)
        for index in entries.indices where index != idIndex && index != clockIndex {
            appendDataPoint(entries[index], tape, to: &values)
        }
        guard !values.isEmpty else { return nil }
        return Reading(source: source, timestamp: timestamp ?? now(), values: values)
    }

    /// The entry's value as a data point (built in place: a returned optional was copied once more).
    private mutating func appendDataPoint(_ entry: CosemObjectList.Entry, _ tape: AXDRTape,
                                          to values: inout [DataPoint]) {
        if let raw = tape.number(entry.value) {
            let definition = entry.obis.a == 1 ? registers.definition(entry.obis, meter: meter) : nil
            let exponent = entry.scaler ?? definition?.exponent ?? 0
            let unit = entry.unitCode != nil ? DLMSUnit.name(code: entry.unitCode!) : definition?.unit
            values.append(DataPoint(obis: entry.obis, type: definition?.type, value: .number(Self.scale(raw, exponent)),
                                    unit: unit))
        } else if let text = Self.text(tape, entry.value) {
            values.append(DataPoint(obis: entry.obis, type: nil, value: .text(text), unit: nil))
        }
    }

    /// raw x 10^exponent, dividing for negative exponents so that 2347 x 10^-1 is exactly 234.7.
    static func scale(_ raw: Double, _ exponent: Int) -> Double {
        guard exponent != 0 else { return raw }
        var power = 1.0
        for _ in 0..<min(abs(exponent), 30) { power *= 10 }
        return exponent > 0 ? raw * power : raw / power
    }

    /// 0-0:42.0.0 (logical device name), else 0-x:96.1.x (serial numbers), else 1-x:0.0.x, with printable text.
    private func meterIDIndex(in entries: [CosemObjectList.Entry], _ tape: AXDRTape) -> Int? {
        for rule in 0..<3 {
            for index in entries.indices where Self.isMeterID(entries[index].obis, rule: rule) {
                if Self.printableRange(tape, entries[index].value) != nil { return index }
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

    /// The meter id as text; the same id as in the last message gives the same String (no allocation).
    private mutating func sourceText(_ tape: AXDRTape, _ range: Range<Int>) -> String {
        let same = lastSource.bytes.count == range.count && tape.bytes.withUnsafeBytes { bytes in
            lastSource.bytes.withUnsafeBytes { last in memcmp(last.baseAddress!, bytes.baseAddress! + range.lowerBound, range.count) == 0 }
        }
        if !same {
            lastSource = (Array(tape.bytes[range]), String(decoding: tape.bytes[range], as: UTF8.self))
        }
        return lastSource.text
    }

    /// Where in `tape.bytes` the string is text: every byte printable ASCII once surrounding spaces and NULs are
    /// trimmed; nil for other values.
    static func printableRange(_ tape: AXDRTape, _ index: Int) -> Range<Int>? {
        let node = tape.nodes[index]
        switch tape.tag(index) {
        case .octetString, .visibleString, .utf8String: break
        default: return nil
        }
        return tape.bytes.withUnsafeBufferPointer { bytes -> Range<Int>? in
            var start = node.start
            var end = node.start + node.count
            while start < end && (bytes[start] == 0 || bytes[start] == 0x20) { start += 1 }
            while end > start && (bytes[end - 1] == 0 || bytes[end - 1] == 0x20) { end -= 1 }
            guard start < end else { return nil }
            for index in start..<end where bytes[index] < 0x20 || bytes[index] >= 0x7F { return nil }
            return start..<end
        }
    }

    /// The string as text when every byte is printable ASCII (surrounding spaces and NULs trimmed).
    static func printableText(_ tape: AXDRTape, _ index: Int) -> String? {
        guard let range = printableRange(tape, index) else { return nil }
        return String(decoding: tape.bytes[range], as: UTF8.self)
    }

    /// Any string as text: printable text as it is, other bytes as hex; a date-time as ISO local time.
    static func text(_ tape: AXDRTape, _ index: Int) -> String? {
        if let printable = printableText(tape, index) { return printable }
        if let dateTime = tape.dateTime(index), let seconds = dateTime.wallClockSeconds {
            return String(CivilTime.iso8601(seconds).dropLast())
        }
        if let bytes = tape.stringBytes(index) { return Hex.string(bytes) }
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

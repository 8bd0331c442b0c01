/// Turns the objects of a parsed P1 telegram into a `Reading`.
///
/// - Source: `sourceOverride`, else the main meter's equipment identifier (0-0:96.1.1, then 0-0:42.0.0,
///   0-0:96.1.0, 1-0:0.0.0, other 0-0:96.1.x), hex-decoded to text when it is hex of printable text.
/// - Timestamp: 0-0:1.0.0 converted with its S/W suffix to UTC in the reader's zone; the system clock when the
///   telegram has none (DSMR 2.2/3) or `useSystemTime` is set.
/// - Values: every number with its OBIS code, scaled to base units, typed from the register map when the unit on
///   the wire matches the register's; texts (M-Bus ids, messages, versions) as text; times of M-Bus readings and
///   maximum demands in the data point's own timestamp. Belgian history, power-failure log and DSMR 2/3 M-Bus
///   profile lines are spread into one data point per entry (see `P1ProfileObjects.swift`).
struct P1ReadingBuilder {
    /// The `( ... )` groups of one object, as ranges into the telegram.
    typealias Groups = Slice<UnsafeBufferPointer<Range<Int>>>

    var meter: MeterType
    var clock: P1Clock
    var useSystemTime: Bool
    var fallbackSource: String
    var sourceOverride: String?
    var now: @Sendable () -> Int64
    private var registerCache = RegisterDefinitionCache()
    private var times = P1TimeCache()
    /// ISO texts of the month starts in the maximum demand history: the same thirteen every telegram.
    private var monthTexts: [(seconds: Int64, text: String)] = []
    /// Values of the last telegram dropped because their group could not be read: the object's code and the
    /// group's position (1-based). Such a value is never published under another code.
    private(set) var unreadable: [(obis: ObisCode, group: Int)] = []

    init(configuration: DecoderConfiguration, now: @escaping @Sendable () -> Int64 = SystemClock.seconds) {
        meter = configuration.meter
        clock = P1Clock(zone: configuration.zone)
        useSystemTime = configuration.useSystemTime
        fallbackSource = configuration.fallbackSource
        sourceOverride = configuration.sourceOverride
        self.now = now
    }

    /// nil when the telegram holds no values.
    mutating func reading(from telegram: P1TelegramParser, bytes: UnsafeRawBufferPointer) -> Reading? {
        unreadable.removeAll(keepingCapacity: true)
        // The source is chosen first so that its object is skipped below rather than removed from the values.
        let source = sourceOverride == nil ? Self.sourceObject(of: telegram) : nil
        var sourceText = sourceOverride ?? fallbackSource
        var timestamp: Int64? = nil
        // Every data point takes at least one group, so there are never more points than groups.
        let bound = telegram.groups.count
        var values = [DataPoint](unsafeUninitializedCapacity: bound) { storage, initialised in
            var points = DataPointBuffer(storage)
            // Groups through a buffer pointer: an ArraySlice per object retained and released the array.
            telegram.groups.withUnsafeBufferPointer { all in
                for (index, object) in telegram.objects.enumerated() {
                    let groups = all[object.groupIndices]
                    if index == source {
                        sourceText = P1Field.text(bytes, groups[groups.startIndex], decodeHex: true)
                        continue
                    }
                    append(object.obis, groups, bytes, to: &points, timestamp: &timestamp)
                }
            }
            initialised = points.count
        }
        guard !values.isEmpty else { return nil }
        if values.capacity > 2 * values.count + 64 {
            // A telegram of many groups that gave few points (empty groups, damaged lines): keep only what is used.
            // (Copied from a buffer pointer: `Array(values[...])` would hand back the same storage.)
            values = values.withUnsafeBufferPointer { Array($0) }
        }
        let time = useSystemTime ? now() : (timestamp ?? now())
        return Reading(source: sourceText, timestamp: time, values: values)
    }

    /// The values of one object, or the telegram's time from 0-0:1.0.0.
    @inline(__always)
    private mutating func append(_ obis: ObisCode, _ groups: Groups, _ bytes: UnsafeRawBufferPointer,
                                 to values: inout DataPointBuffer, timestamp: inout Int64?) {
        if obis.a == 0 && obis.b == 0 && obis.hasCDE(1, 0, 0) {
            if groups.count == 1, let time = utcSeconds(bytes, groups[groups.startIndex]) {
                timestamp = time
            }
            return
        }
        if Self.identifierRank(obis) != nil {
            guard groups.count == 1, !groups[groups.startIndex].isEmpty else { return }
            let text = P1Field.text(bytes, groups[groups.startIndex], decodeHex: true)
            values.append(obis, type: nil, value: .text(text), unit: nil, timestamp: nil)
            return
        }
        if obis.c == 96 && obis.d == 13 {
            // Text messages, sent hex-encoded.
            guard groups.count == 1, !groups[groups.startIndex].isEmpty else { return }
            let text = P1Field.text(bytes, groups[groups.startIndex], decodeHex: true)
            values.append(obis, type: nil, value: .text(text), unit: nil, timestamp: nil)
            return
        }
        if (obis.c == 0 && obis.d == 2 && obis.e == 8) || (obis.c == 96 && obis.d == 1 && obis.e == 4) {
            // Protocol and firmware versions: identifiers, not quantities.
            guard groups.count == 1, !groups[groups.startIndex].isEmpty else { return }
            let text = P1Field.text(bytes, groups[groups.startIndex], decodeHex: false)
            values.append(obis, type: nil, value: .text(text), unit: nil, timestamp: nil)
            return
        }
        if obis.hasCDE(98, 1, 0), appendHistory(obis, groups, bytes, to: &values) { return }
        if obis.hasCDE(99, 97, 0), appendPowerFailures(obis, groups, bytes, to: &values) { return }
        if obis.c == 24 && obis.d == 3, appendProfileValue(obis, groups, bytes, to: &values) { return }
        appendGeneric(obis, groups, bytes, to: &values)
    }

    /// The index of the object naming the main meter: the best-ranked equipment identifier with B = 0 and one
    /// non-empty group (the first of equal rank); nil when there is none.
    private static func sourceObject(of telegram: P1TelegramParser) -> Int? {
        var best: (rank: Int, index: Int)? = nil
        for (index, object) in telegram.objects.enumerated() where object.obis.b == 0 {
            guard let rank = identifierRank(object.obis), rank < (best?.rank ?? Int.max),
                  object.groupIndices.count == 1, !telegram.groups[object.groupIndices.lowerBound].isEmpty else { continue }
            best = (rank, index)
        }
        return best?.index
    }

    /// Equipment identifiers, best first; nil for other codes.
    private static func identifierRank(_ obis: ObisCode) -> Int? {
        if obis.c == 96 && obis.d == 1 {
            switch obis.e {
            case 1: return 0
            case 0: return 2
            case 4: return nil   // version information (Belgian 0-0:96.1.4)
            default: return 4
            }
        }
        if obis.a == 0 && obis.hasCDE(42, 0, 0) { return 1 }
        if obis.c == 0 && obis.d == 0 { return 3 }
        return nil
    }

    /// One number (`(value*unit)`), one time-stamped number (`(time)(value*unit)`), or a row of numbers after an
    /// optional time (each with F = its position, 1-based). Texts are kept as text.
    ///
    /// A value whose group cannot be read is dropped and listed in `unreadable`, never published under a code the
    /// telegram did not carry: `(time)(value)` whose time is no P1 time gives nothing rather than the value as F = 2.
    private mutating func appendGeneric(_ obis: ObisCode, _ groups: Groups,
                                        _ bytes: UnsafeRawBufferPointer, to values: inout DataPointBuffer) {
        guard let first = groups.first else { return }
        if groups.count == 1 {
            guard !first.isEmpty else { return }
            if let quantity = P1Field.quantity(bytes, first) {
                append(obis, quantity, timestamp: nil, to: &values)
            } else {
                values.append(obis, type: nil, value: .text(P1Field.text(bytes, first, decodeHex: false)), unit: nil,
                              timestamp: nil)
            }
            return
        }
        var rest = groups[...]
        var time: Int64? = nil
        if P1Field.looksLikeTime(bytes, first) {
            time = utcSeconds(bytes, first)
            rest = groups.dropFirst()
        } else if groups.count == 2, P1Field.quantity(bytes, first) == nil {
            // The place of a time, holding something else: the value's time and code are unknown.
            unreadable.append((obis, 1))
            return
        }
        if rest.count == 1 {
            if let quantity = P1Field.quantity(bytes, rest[rest.startIndex]) {
                append(obis, quantity, timestamp: time, to: &values)
            } else if !rest[rest.startIndex].isEmpty {
                unreadable.append((obis, groups.count))
            }
            return
        }
        for (position, group) in rest.enumerated() {
            guard let quantity = P1Field.quantity(bytes, group) else {
                if !group.isEmpty { unreadable.append((obis, position + 1 + (groups.count - rest.count))) }
                continue
            }
            var code = obis
            code.f = UInt8(truncatingIfNeeded: position + 1)
            append(code, quantity, timestamp: time, to: &values)
        }
    }

    /// UTC seconds of a P1 time (`YYMMDDhhmmssX`); nil when the group is none or a placeholder.
    @inline(__always)
    mutating func utcSeconds(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) -> Int64? {
        times.utcSeconds(bytes, range, clock: &clock)
    }

    /// `CivilTime.iso8601(seconds)`, the same String as last time for a month start seen before (no allocation).
    mutating func monthText(_ seconds: Int64) -> String {
        if let known = monthTexts.first(where: { $0.seconds == seconds }) { return known.text }
        let text = CivilTime.iso8601(seconds)
        if monthTexts.count >= 16 { monthTexts.removeFirst() }
        monthTexts.append((seconds, text))
        return text
    }

    /// A numeric data point, typed when the register map knows the code and the unit agrees.
    @inline(__always)
    mutating func append(_ obis: ObisCode, _ quantity: P1Field.Quantity, timestamp: Int64?,
                         to values: inout DataPointBuffer) {
        let type = obis.a == 1 ? registerCache.type(obis, meter: meter, unit: quantity.unit) : nil
        values.append(obis, type: type, value: .number(quantity.value), unit: quantity.unit, timestamp: timestamp)
    }
}

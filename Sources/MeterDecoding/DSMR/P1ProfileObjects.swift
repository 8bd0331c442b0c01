/// P1 objects that hold a list of entries (COSEM profile generics written out as groups), spread into one data
/// point per entry. Each returns false when the groups do not have the expected shape; the caller then reads the
/// object as a plain row of values.
extension P1ReadingBuilder {
    /// Belgian 13-month maximum demand history:
    ///
    ///     0-0:98.1.0(n)(1-0:1.6.0)(1-0:1.6.0)(month start)(peak time)(value*kW) ... n times
    ///
    /// Entry i (1-based, wire order) becomes the captured code with F = i (`1-0:1.6.0*i`, the peak in W with the
    /// time it occurred; none for a placeholder time) and `0-0:98.1.0*i`, the start of its month as UTC text.
    mutating func appendHistory(_ obis: ObisCode, _ groups: Groups, _ bytes: UnsafeRawBufferPointer,
                                to values: inout DataPointBuffer) -> Bool {
        guard let count = Self.entryCount(bytes, groups), groups.count >= 3 || count == 0 else { return false }
        guard count > 0 else { return true }
        let start = groups.startIndex
        guard groups.count == 3 + 3 * count, let captured = P1Field.obis(bytes, groups[start + 2]) else { return false }
        for entry in 0..<count {
            let base = start + 3 + 3 * entry
            guard let quantity = P1Field.quantity(bytes, groups[base + 2]) else { continue }
            let index = UInt8(truncatingIfNeeded: entry + 1)
            var peak = captured
            peak.f = index
            let peakTime = utcSeconds(bytes, groups[base + 1])
            append(peak, quantity, timestamp: peakTime, to: &values)
            if let month = utcSeconds(bytes, groups[base]) {
                var period = obis
                period.f = index
                values.append(period, type: nil, value: .text(monthText(month)), unit: nil,
                              timestamp: nil)
            }
        }
        return true
    }

    /// Power failure event log:
    ///
    ///     1-0:99.97.0(n)(0-0:96.7.19)(end time)(duration*s) ... n times
    ///
    /// Entry i becomes `1-0:99.97.0*i`: the duration in seconds, its end time as the data point's timestamp. Logs
    /// announcing more entries than they hold are read as far as they go.
    mutating func appendPowerFailures(_ obis: ObisCode, _ groups: Groups,
                                      _ bytes: UnsafeRawBufferPointer, to values: inout DataPointBuffer) -> Bool {
        guard let count = Self.entryCount(bytes, groups) else { return false }
        let start = groups.startIndex
        let present = max(0, (groups.count - 2) / 2)
        for entry in 0..<min(count, present) {
            let base = start + 2 + 2 * entry
            guard let quantity = P1Field.quantity(bytes, groups[base + 1]) else { continue }
            var code = obis
            code.f = UInt8(truncatingIfNeeded: entry + 1)
            let end = utcSeconds(bytes, groups[base])
            append(code, quantity, timestamp: end, to: &values)
        }
        return true
    }

    /// DSMR 2.2/3 M-Bus value with its capture time, the value on a continuation line:
    ///
    ///     0-1:24.3.0(161107190000)(00)(60)(1)(0-1:24.2.1)(m3)
    ///     (00001.001)
    ///
    /// One data point under the line's code, with the unit from the sixth group and the capture time.
    mutating func appendProfileValue(_ obis: ObisCode, _ groups: Groups,
                                     _ bytes: UnsafeRawBufferPointer, to values: inout DataPointBuffer) -> Bool {
        guard groups.count == 7 else { return false }
        let start = groups.startIndex
        guard var quantity = P1Field.quantity(bytes, groups[start + 6]) else { return false }
        if quantity.unit == nil {
            let (unit, exponent) = P1Unit.normalise(bytes, groups[start + 5])
            quantity.unit = unit
            quantity.value = P1Field.scale(quantity.value, exponent)
        }
        let time = utcSeconds(bytes, groups[start])
        append(obis, quantity, timestamp: time, to: &values)
        return true
    }

    /// The leading `(n)` entry count of a profile object.
    private static func entryCount(_ bytes: UnsafeRawBufferPointer, _ groups: Groups) -> Int? {
        guard let first = groups.first, (1...3).contains(first.count) else { return nil }
        var count = 0
        for index in first {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            count = count * 10 + Int(digit)
        }
        return count
    }
}

/// The rows of one reading as one spool record:
///
///     record = version (1) | table* ; table = row count (u32 LE) | row* (electricity, mbus, peaks, history)
///     text = length (u32 LE) | UTF-8 ; number = IEEE 754 bits (u64 LE) ; time = i64 LE ; optional = 0 | 1 value
extension PremisesRows {
    static let spoolVersion: UInt8 = 1

    public var spoolRecord: [UInt8] {
        var writer = Writer()
        writer.bytes.append(Self.spoolVersion)
        writer.u32(electricity.count)
        for row in electricity {
            writer.i64(row.time); writer.text(row.device); writer.text(row.name); writer.f64(row.value)
        }
        writer.u32(mbus.count)
        for row in mbus {
            writer.i64(row.time); writer.text(row.device); writer.text(row.mbusID); writer.optionalText(row.mbusType)
            writer.f64(row.value)
        }
        writer.u32(peaks.count)
        for row in peaks {
            writer.i64(row.time); writer.text(row.device); writer.f64(row.value)
        }
        writer.u32(peakHistory.count)
        for row in peakHistory {
            writer.i64(row.time); writer.text(row.device); writer.optionalTime(row.occurred); writer.f64(row.value)
        }
        return writer.bytes
    }

    /// nil for a record this version does not read (then skipped).
    public init?(spoolRecord record: [UInt8]) {
        var reader = Reader(bytes: record[...])
        guard reader.byte() == Self.spoolVersion else { return nil }
        self.init()
        guard let electricity = reader.rows({ (reader: inout Reader) -> Electricity? in
            guard let time = reader.i64(), let device = reader.text(), let name = reader.text(), let value = reader.f64()
            else { return nil }
            return Electricity(time: time, device: device, name: name, value: value)
        }), let mbus = reader.rows({ (reader: inout Reader) -> MBus? in
            guard let time = reader.i64(), let device = reader.text(), let id = reader.text(),
                  let type = reader.optionalText(), let value = reader.f64() else { return nil }
            return MBus(time: time, device: device, mbusID: id, mbusType: type, value: value)
        }), let peaks = reader.rows({ (reader: inout Reader) -> Peak? in
            guard let time = reader.i64(), let device = reader.text(), let value = reader.f64() else { return nil }
            return Peak(time: time, device: device, value: value)
        }), let history = reader.rows({ (reader: inout Reader) -> PeakHistory? in
            guard let time = reader.i64(), let device = reader.text(), let occurred = reader.optionalTime(),
                  let value = reader.f64() else { return nil }
            return PeakHistory(time: time, device: device, occurred: occurred, value: value)
        }), reader.bytes.isEmpty else { return nil }
        self.electricity = electricity
        self.mbus = mbus
        self.peaks = peaks
        self.peakHistory = history
    }

    private struct Writer {
        var bytes: [UInt8] = []
        mutating func u32(_ value: Int) { for i in 0..<4 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * i))) } }
        mutating func u64(_ value: UInt64) { for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) } }
        mutating func i64(_ value: Int64) { u64(UInt64(bitPattern: value)) }
        mutating func f64(_ value: Double) { u64(value.bitPattern) }
        mutating func text(_ value: String) { u32(value.utf8.count); bytes += value.utf8 }
        mutating func optionalText(_ value: String?) {
            guard let value else { bytes.append(0); return }
            bytes.append(1); text(value)
        }
        mutating func optionalTime(_ value: Int64?) {
            guard let value else { bytes.append(0); return }
            bytes.append(1); i64(value)
        }
    }

    private struct Reader {
        var bytes: ArraySlice<UInt8>
        mutating func byte() -> UInt8? { bytes.popFirst() }
        mutating func u64(_ count: Int) -> UInt64? {
            guard bytes.count >= count else { return nil }
            var value: UInt64 = 0
            for (i, byte) in bytes.prefix(count).enumerated() { value |= UInt64(byte) << (8 * UInt64(i)) }
            bytes = bytes.dropFirst(count)
            return value
        }
        mutating func i64() -> Int64? { u64(8).map { Int64(bitPattern: $0) } }
        mutating func f64() -> Double? { u64(8).map { Double(bitPattern: $0) } }
        mutating func text() -> String? {
            guard let length = u64(4).map({ Int($0) }), bytes.count >= length else { return nil }
            defer { bytes = bytes.dropFirst(length) }
            return String(decoding: bytes.prefix(length), as: UTF8.self)
        }
        /// Outer nil: malformed; inner nil: absent.
        mutating func optionalText() -> String?? {
            switch byte() {
            case 0?: return .some(nil)
            case 1?: return text().map { .some($0) }
            default: return nil
            }
        }
        mutating func optionalTime() -> Int64?? {
            switch byte() {
            case 0?: return .some(nil)
            case 1?: return i64().map { .some($0) }
            default: return nil
            }
        }
        mutating func rows<Row>(_ row: (inout Reader) -> Row?) -> [Row]? {
            guard let count = u64(4).map({ Int($0) }), count <= bytes.count else { return nil }
            var rows: [Row] = []
            rows.reserveCapacity(count)
            for _ in 0..<count {
                guard let next = row(&self) else { return nil }
                rows.append(next)
            }
            return rows
        }
    }
}

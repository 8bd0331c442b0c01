#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Protocols

/// The rows of a batch sent with `COPY ... FROM STDIN`, written straight into one byte buffer (`ByteWriter`), so a
/// batch of thousands of rows costs no String per value.
///
/// Binary format first: the server then parses no time or number text, which took about a third of its CPU time per
/// row. It stores exactly what the text format would: times are whole seconds (years 1 to 9999), texts their UTF-8 as
/// it is, and a value the `real` the server's `strtof` makes of our text (see `real`). A batch holding anything
/// `PremisesRows.problem` would refuse (`PremisesSchema.insert` is also called without that check) goes in the text
/// format instead, so that the server, not this code, decides what it refuses.
///
/// Text format: one line per row, columns separated by a tab, `\N` for NULL, backslash, tab, line feed and carriage
/// return in a text escaped with a backslash. `COPY` stops at a row already stored (SQLSTATE 23505);
/// `PremisesSchema.insert` then falls back to its `ON CONFLICT DO NOTHING` statements.
enum PremisesCopy {
    static let electricity = "COPY elec_measurement (time, device_id, obis_name, value) FROM STDIN"
    static let mbus = "COPY mbus_measurement (time, device_id, mbus_id, mbus_type, value) FROM STDIN"
    static let peaks = "COPY peak_demand (time, device_id, value) FROM STDIN"
    static let peakHistory = "COPY peak_demand_history (time, device_id, occurred, value) FROM STDIN"
    static let binary = " (FORMAT binary)"

    /// Copies every table's rows (inside the caller's transaction); returns the rows added.
    static func copy(_ rows: PremisesRows, on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Int {
        fitsBinary(rows) ? try copyBinary(rows, on: connection) : try copyText(rows, on: connection)
    }

    /// Every row as the server would take it from text, and stored the same from binary.
    static func fitsBinary(_ rows: PremisesRows) -> Bool {
        rows.problem == nil && rows.electricity.allSatisfy { real($0.value) != nil } && rows.mbus.allSatisfy { real($0.value) != nil }
            && rows.peaks.allSatisfy { real($0.value) != nil } && rows.peakHistory.allSatisfy { real($0.value) != nil }
    }

    /// The `real` the server makes of `value`'s text (PostgreSQL reads a `real` with `strtof`): the nearest `Float`,
    /// except that a value exactly halfway between two floats goes through our text and `strtof` here too (its
    /// shortest decimal may lie on either side). nil when the server would refuse it: not finite, or outside the
    /// normal range of `Float` (`PremisesRows.problem` catches these first).
    static func real(_ value: Double) -> Float? {
        if value == 0 { return 0 }  // -0 is written as 0 in the text format
        guard value.isFinite, value.magnitude >= Double(Float.leastNormalMagnitude),
              value.magnitude <= Double(Float.greatestFiniteMagnitude) else { return nil }
        let nearest = Float(value)
        let back = Double(nearest)
        if back == value { return nearest }
        let other = value > back ? nearest.nextUp : nearest.nextDown
        guard other.isFinite, (back + Double(other)) / 2 == value else { return nearest }
        var text: [UInt8] = []
        TextBytes.append(value, to: &text)
        text.append(0)
        let parsed = text.withUnsafeBytes { strtof($0.baseAddress!.assumingMemoryBound(to: CChar.self), nil) }
        return parsed.isFinite ? parsed : nil
    }

    static func copyBinary(_ rows: PremisesRows, on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Int {
        let data = OutputBytes(capacity: 64 * rows.count + 64)
        var added = 0
        if !rows.electricity.isEmpty {
            start(data)
            for row in rows.electricity {
                data.write(upTo: binaryFixed + text(row.device) + text(row.name)) { out in
                    out.bigEndian(UInt16(4))
                    out.time(row.time); out.field(row.device); out.field(row.name); out.real(row.value)
                }
            }
            added += try connection.copy(electricity + binary, data: end(data))
        }
        if !rows.mbus.isEmpty {
            start(data)
            for row in rows.mbus {
                data.write(upTo: binaryFixed + text(row.device) + text(row.mbusID) + (row.mbusType.map(text) ?? 0)) { out in
                    out.bigEndian(UInt16(5))
                    out.time(row.time); out.field(row.device); out.field(row.mbusID)
                    if let type = row.mbusType { out.field(type) } else { out.null() }
                    out.real(row.value)
                }
            }
            added += try connection.copy(mbus + binary, data: end(data))
        }
        if !rows.peaks.isEmpty {
            start(data)
            for row in rows.peaks {
                data.write(upTo: binaryFixed + text(row.device)) { out in
                    out.bigEndian(UInt16(3))
                    out.time(row.time); out.field(row.device); out.real(row.value)
                }
            }
            added += try connection.copy(peaks + binary, data: end(data))
        }
        if !rows.peakHistory.isEmpty {
            start(data)
            for row in rows.peakHistory {
                data.write(upTo: binaryFixed + 12 + text(row.device)) { out in
                    out.bigEndian(UInt16(4))
                    out.time(row.time); out.field(row.device)
                    if let occurred = row.occurred { out.time(occurred) } else { out.null() }
                    out.real(row.value)
                }
            }
            added += try connection.copy(peakHistory + binary, data: end(data))
        }
        return added
    }

    /// The binary format's signature, flags and header extension length.
    private static func start(_ data: OutputBytes) {
        data.removeAll()
        data.write(upTo: 19) { out in
            out.text("PGCOPY\n"); out.byte(0xFF); out.text("\r\n"); out.byte(0)
            out.bigEndian(UInt32(0)); out.bigEndian(UInt32(0))
        }
    }

    /// The trailer: a field count of -1.
    private static func end(_ data: OutputBytes) -> OutputBytes {
        data.write(upTo: 2) { $0.bigEndian(UInt16(0xFFFF)) }
        return data
    }

    /// A row's field count, a time, a real, the length words of the texts and a NULL.
    private static let binaryFixed = 2 + 12 + 8 + 4 * 4 + 4

    /// Copies every table's rows in the text format.
    static func copyText(_ rows: PremisesRows, on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Int {
        let data = OutputBytes(capacity: 64 * rows.count + 64)
        var added = 0
        if !rows.electricity.isEmpty {
            data.removeAll()
            for row in rows.electricity {
                data.write(upTo: fixed + 2 * text(row.device) + 2 * text(row.name)) { out in
                    out.iso8601(row.time); out.byte(tab)
                    escaped(row.device, to: &out); out.byte(tab)
                    escaped(row.name, to: &out); out.byte(tab)
                    out.number(row.value); out.byte(lineFeed)
                }
            }
            added += try connection.copy(electricity, data: data)
        }
        if !rows.mbus.isEmpty {
            data.removeAll()
            for row in rows.mbus {
                data.write(upTo: fixed + 2 * text(row.device) + 2 * text(row.mbusID) + 2 * (row.mbusType.map(text) ?? 0)) { out in
                    out.iso8601(row.time); out.byte(tab)
                    escaped(row.device, to: &out); out.byte(tab)
                    escaped(row.mbusID, to: &out); out.byte(tab)
                    if let type = row.mbusType { escaped(type, to: &out) } else { out.text(#"\N"#) }
                    out.byte(tab)
                    out.number(row.value); out.byte(lineFeed)
                }
            }
            added += try connection.copy(mbus, data: data)
        }
        if !rows.peaks.isEmpty {
            data.removeAll()
            for row in rows.peaks {
                data.write(upTo: fixed + 2 * text(row.device)) { out in
                    out.iso8601(row.time); out.byte(tab)
                    escaped(row.device, to: &out); out.byte(tab)
                    out.number(row.value); out.byte(lineFeed)
                }
            }
            added += try connection.copy(peaks, data: data)
        }
        if !rows.peakHistory.isEmpty {
            data.removeAll()
            for row in rows.peakHistory {
                data.write(upTo: fixed + TextBytes.timeLength + 2 * text(row.device)) { out in
                    out.iso8601(row.time); out.byte(tab)
                    escaped(row.device, to: &out); out.byte(tab)
                    if let occurred = row.occurred { out.iso8601(occurred) } else { out.text(#"\N"#) }
                    out.byte(tab)
                    out.number(row.value); out.byte(lineFeed)
                }
            }
            added += try connection.copy(peakHistory, data: data)
        }
        return added
    }

    private static let tab = UInt8(ascii: "\t")
    private static let lineFeed = UInt8(ascii: "\n")
    /// A time, a number, `\N` and the separators of one row.
    private static let fixed = TextBytes.timeLength + TextBytes.numberLength + 16

    private static func text(_ value: String) -> Int { value.utf8.count }

    /// A text value; at most twice its length.
    private static func escaped(_ value: String, to out: inout ByteWriter) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out.byte(byte); out.byte(byte)
            case UInt8(ascii: "\t"): out.byte(UInt8(ascii: "\\")); out.byte(UInt8(ascii: "t"))
            case UInt8(ascii: "\n"): out.byte(UInt8(ascii: "\\")); out.byte(UInt8(ascii: "n"))
            case UInt8(ascii: "\r"): out.byte(UInt8(ascii: "\\")); out.byte(UInt8(ascii: "r"))
            default: out.byte(byte)
            }
        }
    }
}

private extension ByteWriter {
    @inline(__always)
    mutating func bigEndian<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes($0) }
    }

    /// A `timestamptz`: its length, then microseconds since 2000-01-01 00:00:00 UTC.
    @inline(__always)
    mutating func time(_ seconds: Int64) {
        bigEndian(UInt32(8))
        bigEndian((seconds - 946_684_800) &* 1_000_000)
    }

    /// A `text`: its length, then its UTF-8.
    @inline(__always)
    mutating func field(_ text: String) {
        bigEndian(UInt32(text.utf8.count))
        utf8(text)
    }

    /// A `real` (see `PremisesCopy.real`; `fitsBinary` has checked that there is one).
    @inline(__always)
    mutating func real(_ value: Double) {
        bigEndian(UInt32(4))
        bigEndian(PremisesCopy.real(value)!.bitPattern)
    }

    @inline(__always)
    mutating func null() {
        bigEndian(UInt32(0xFFFF_FFFF))
    }
}

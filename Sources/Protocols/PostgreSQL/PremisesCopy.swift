/// The rows of a batch sent with `COPY ... FROM STDIN` in COPY's text format: one line per row, columns separated by
/// a tab, `\N` for NULL, backslash, tab, line feed and carriage return in a text escaped with a backslash. Numbers and
/// times are written straight into one byte buffer (`ByteWriter`), so a batch of thousands of rows costs no String per
/// value. `COPY` stops at a row already stored (SQLSTATE 23505); `PremisesSchema.insert` then falls back to its
/// `ON CONFLICT DO NOTHING` statements.
enum PremisesCopy {
    static let electricity = "COPY elec_measurement (time, device_id, obis_name, value) FROM STDIN"
    static let mbus = "COPY mbus_measurement (time, device_id, mbus_id, mbus_type, value) FROM STDIN"
    static let peaks = "COPY peak_demand (time, device_id, value) FROM STDIN"
    static let peakHistory = "COPY peak_demand_history (time, device_id, occurred, value) FROM STDIN"

    /// Copies every table's rows (inside the caller's transaction); returns the rows added.
    static func copy(_ rows: PremisesRows, on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Int {
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

import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// Backup of the premises tables to one CSV file per table (`<table>.csv`, a header line with the column names,
/// times as PostgreSQL writes them in UTC, e.g. `2020-05-12 11:54:09+00`) and restore from such files. Restore
/// inserts with `ON CONFLICT DO NOTHING`, so loading a backup twice, or into a database that already holds part
/// of it, adds only what is missing.
public enum PremisesBackup {
    public struct Filter: Sendable {
        public var device: String?
        /// Inclusive lower and exclusive upper bound, any text PostgreSQL reads as a timestamptz.
        public var from: String?
        public var to: String?

        public init(device: String? = nil, from: String? = nil, to: String? = nil) {
            self.device = device
            self.from = from
            self.to = to
        }
    }

    /// Writes the four tables; returns the rows written per table.
    public static func backup(_ connection: PostgresConnection, filter: Filter, to directory: URL) throws -> [(String, Int)] {
        try FileSystem.prepareFolder(directory.path)
        try connection.execute("SET TIME ZONE 'UTC'")
        var counts: [(String, Int)] = []
        for table in PremisesSchema.tables {
            let columns = PremisesSchema.columns[table]!
            let path = directory.appendingPathComponent("\(table).csv").path
            let file = try FileAppender(path: path, truncate: true)
            defer { file.close() }
            let texts = columns.map(Self.textColumns.contains)
            var buffer = CSV.line(columns, texts: columns.map { _ in true })
            var count = 0
            let select = columns.map { "\($0)::text" }.joined(separator: ", ")
            try connection.stream("""
                SELECT \(select) FROM \(table)
                WHERE ($1::text IS NULL OR device_id = $1) AND ($2::timestamptz IS NULL OR time >= $2)
                  AND ($3::timestamptz IS NULL OR time < $3)
                ORDER BY time, device_id
                """, [filter.device, filter.from, filter.to]) { row in
                buffer += CSV.line(row, texts: texts)
                count += 1
                if buffer.utf8.count > 1 << 16 {
                    try file.append(buffer)
                    buffer = ""
                }
            }
            try file.append(buffer)
            counts.append((table, count))
        }
        return counts
    }

    /// Loads every `<table>.csv` found in the folder, creating the tables when missing; returns (table, rows read,
    /// rows added).
    public static func restore(_ connection: PostgresConnection, from directory: URL,
                               batchRows: Int = 5000) throws -> [(String, Int, Int)] {
        try PremisesSchema.ensure(on: connection)
        var results: [(String, Int, Int)] = []
        for table in PremisesSchema.tables {
            let path = directory.appendingPathComponent("\(table).csv").path
            guard FileManager.default.fileExists(atPath: path) else { continue }
            let columns = PremisesSchema.columns[table]!
            let text = try String(contentsOfFile: path, encoding: .utf8)
            var lines = CSV.rows(text)
            guard let header = lines.first, header == columns else {
                throw PostgresConnection.Failure(
                    description: "\(path): the first line must be \(columns.joined(separator: ","))", sqlState: nil,
                    connectionLost: false)
            }
            lines.removeFirst()
            let texts = columns.map(Self.textColumns.contains)
            for (number, row) in lines.enumerated() where row.count != columns.count {
                throw PostgresConnection.Failure(description: "\(path):\(number + 2): \(row.count) fields, expected \(columns.count)",
                                                 sqlState: nil, connectionLost: false)
            }
            var added = 0
            var start = 0
            while start < lines.count {
                let chunk = lines[start..<min(lines.count, start + batchRows)]
                let parameters = columns.indices.map { column in
                    PostgresArray.literal(chunk.map { row -> String? in
                        texts[column] ? row[column].map(CSVCell.restoredText) : row[column]
                    })
                }
                added += try connection.command(insertStatement(table), parameters)
                start += batchRows
            }
            results.append((table, lines.count, added))
        }
        return results
    }

    /// Columns holding texts a meter chose (written through `CSVCell.text`); the others hold times and numbers.
    static let textColumns: Set<String> = ["device_id", "obis_name", "mbus_id", "mbus_type"]

    static func insertStatement(_ table: String) -> String {
        switch table {
        case "elec_measurement": return PremisesSchema.insertElectricity
        case "mbus_measurement": return PremisesSchema.insertMBus
        case "peak_demand": return PremisesSchema.insertPeaks
        default: return PremisesSchema.insertPeakHistory
        }
    }
}

/// RFC 4180 CSV: fields with a comma, quote or line break are quoted; an empty unquoted field is NULL. Text fields
/// go through `CSVCell.text` (formulas neutralised), times and numbers through `CSVCell.verbatim`.
enum CSV {
    static func line(_ fields: [String?], texts: [Bool]) -> String {
        zip(fields, texts).map { field, text -> String in
            guard let field else { return "" }
            return text ? CSVCell.text(field, quoteEmpty: true) : CSVCell.verbatim(field, quoteEmpty: true)
        }.joined(separator: ",") + "\n"
    }

    /// Scalar by scalar, so that a quote or a line break followed by a combining mark is still seen; a CR outside
    /// quotes (the CR of CRLF) is dropped.
    static func rows(_ text: String) -> [[String?]] {
        var rows: [[String?]] = []
        var row: [String?] = []
        var field = String.UnicodeScalarView()
        var quoted = false, inQuotes = false, pendingQuote = false
        func endField() {
            row.append(field.isEmpty && !quoted ? nil : String(field))
            field = String.UnicodeScalarView()
            quoted = false
        }
        for scalar in text.unicodeScalars {
            if inQuotes {
                if pendingQuote {
                    pendingQuote = false
                    if scalar == "\"" { field.append("\""); continue }
                    inQuotes = false
                } else if scalar == "\"" {
                    pendingQuote = true
                    continue
                } else {
                    field.append(scalar)
                    continue
                }
            }
            switch scalar {
            case "\"" where field.isEmpty && !quoted:
                quoted = true
                inQuotes = true
            case ",":
                endField()
            case "\r":
                continue
            case "\n":
                endField()
                rows.append(row)
                row = []
            default:
                field.append(scalar)
            }
        }
        if !field.isEmpty || quoted || !row.isEmpty {
            endField()
            rows.append(row)
        }
        return rows
    }
}

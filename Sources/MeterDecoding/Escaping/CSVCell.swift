/// The one rule for a cell of the CSV files we write (the CSV sink's files, `smartmeter-config backup`):
/// RFC 4180 quoting, and for text cells the neutralising of formulas that OWASP's "CSV Injection" advice asks for.
///
/// A spreadsheet opening the file runs a cell beginning with `=`, `+`, `-`, `@`, TAB or CR as a formula, and a
/// meter chooses its id, its texts and its units. Such a text cell is written with a leading `'` (which spreadsheets
/// show as "this is text") and quoted. A text that already begins with `'`s followed by one of those characters gets
/// one more `'`, so that `restoredText` gives back exactly what was escaped. Numbers and times we format ourselves
/// are written as they are: `-5.2` stays a number.
public enum CSVCell {
    /// First characters that make a spreadsheet read a cell as a formula.
    public static let formulaStarts: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]

    /// A text cell from untrusted text: neutralised when it could be read as a formula, then quoted when needed.
    /// `quoteEmpty` writes an empty text as `""` (where an empty unquoted cell means NULL).
    public static func text(_ value: String, quoteEmpty: Bool = false) -> String {
        guard needsNeutralising(value) else { return verbatim(value, quoteEmpty: quoteEmpty) }
        return quoted("'" + value)
    }

    /// A cell holding a number or a time as we formatted it: RFC 4180 quoting only, never a leading `'`.
    public static func verbatim(_ value: String, quoteEmpty: Bool = false) -> String {
        if value.isEmpty { return quoteEmpty ? "\"\"" : "" }
        let special = value.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        return special ? quoted(value) : value
    }

    /// The text `text(_:)` was given, from the cell's content as a CSV reader returns it (quotes already removed).
    public static func restoredText(_ field: String) -> String {
        guard field.unicodeScalars.first == "'", needsNeutralising(String(field.unicodeScalars.dropFirst())) else {
            return field
        }
        return String(field.unicodeScalars.dropFirst())
    }

    /// Whether the text, after any leading `'`s, begins with a formula character.
    static func needsNeutralising(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first(where: { $0 != "'" }) else { return false }
        return formulaStarts.contains(first)
    }

    /// Scalar by scalar: a quote followed by a combining mark is one `Character` but still a quote to a CSV reader.
    private static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            if scalar == "\"" { out.unicodeScalars.append("\"") }
            out.unicodeScalars.append(scalar)
        }
        out.unicodeScalars.append("\"")
        return out
    }
}

import Protocols

/// Edits the text of an INI file the way a person would: changes only the lines concerned, so every comment, blank
/// line and the order of sections and keys stay as the user wrote them. Section and key names match
/// case-insensitively, as iniparser reads them.
public struct IniTextEditor: Sendable {
    public private(set) var lines: [String]

    public init(text: String) {
        // Split on LF bytes as IniLineScanner (and iniparser's fgets) does: "\r\n" is one Character in Swift, so a
        // file saved with CRLF line ends was one line to `components(separatedBy: "\n")` (found by the config fuzz target).
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        if lines.last == "" { lines.removeLast() }
        self.lines = lines
    }

    public var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

    /// The value as written to the file: quoted when iniparser would otherwise cut or trim it, or continue the line
    /// onto the next one (a value ending in `\`).
    public static func quoted(_ value: String) -> String {
        let needsQuotes = value.contains(";") || value.contains("#") || value.hasPrefix("\"") || value.hasPrefix("'")
            || value != value.trimmingBlanks() || value.hasSuffix("\\")
        guard needsQuotes else { return value }
        return value.contains("\"") ? "'\(value)'" : "\"\(value)\""
    }

    /// Why `value` cannot be written so that iniparser reads it back as it is, or nil: a value that needs quotes
    /// (see `quoted`) and holds both kinds of quote has no form iniparser reads whole.
    public static func unwritableReason(_ value: String) -> String? {
        guard quoted(value) != value, value.contains("\""), value.contains("'") else { return nil }
        return "holds both ' and \" besides ';', '#', a '\\' at its end or blanks at its ends: iniparser cannot read such a value back whole"
    }

    // MARK: Finding lines

    private static func trimmed(_ line: String) -> String { line.trimmingBlanks() }

    /// The section name when the line is a `[section]` header.
    private static func header(_ line: String) -> String? {
        let text = trimmed(line)
        guard text.hasPrefix("["), text.hasSuffix("]") else { return nil }
        return String(text.dropFirst().dropLast().prefix { $0 != "]" }).trimmingBlanks().asciiLowercased()
    }

    /// The key when the line sets one (`key = value`).
    private static func key(_ line: String) -> String? {
        let text = trimmed(line)
        guard !text.hasPrefix("#"), !text.hasPrefix(";"), !text.hasPrefix("["), let equals = text.firstIndex(of: "=")
        else { return nil }
        let key = String(text[..<equals]).trimmingBlanks().asciiLowercased()
        return key.isEmpty ? nil : key
    }

    /// The key of a commented-out assignment such as `# key =` (what `--saveconfig` writes for unset keys).
    private static func commentedKey(_ line: String) -> String? {
        let text = trimmed(line)
        guard text.hasPrefix("#") || text.hasPrefix(";") else { return nil }
        let rest = String(text.dropFirst()).trimmingBlanks()
        guard !rest.hasPrefix("#"), !rest.hasPrefix("[") else { return nil }
        return key(rest).flatMap { $0.contains(" ") ? nil : $0 }
    }

    /// The lines of a section: its header index and the index after its last line (the next header).
    private func range(of section: String) -> (header: Int, end: Int)? {
        let name = section.asciiLowercased()
        guard let start = lines.firstIndex(where: { Self.header($0) == name }) else { return nil }
        let end = lines[(start + 1)...].firstIndex { Self.header($0) != nil } ?? lines.count
        return (start, end)
    }

    public func hasSection(_ name: String) -> Bool { range(of: name) != nil }

    /// The section names in file order.
    public var sectionNames: [String] { lines.compactMap(Self.header) }

    // MARK: Editing

    /// Sets a key: replaces its line (the last one, the value iniparser keeps), else a commented-out `# key =` of that
    /// section, else adds a line after the section's last key. A missing section is added at the end.
    public mutating func set(section: String, key: String, value: String) {
        let line = "\(key.asciiLowercased()) = \(Self.quoted(value))"
        guard let (header, end) = range(of: section) else {
            addSection(section, entries: [(key, value)])
            return
        }
        let body = (header + 1)..<end
        if let index = body.last(where: { Self.key(lines[$0]) == key.asciiLowercased() }) {
            let indent = String(lines[index].prefix { $0 == " " || $0 == "\t" })
            lines[index] = indent + line
            return
        }
        // Commented assignments count only before a commented-out example section ("# [sink2]").
        let exampleStart = body.first { Self.trimmed(lines[$0]).hasPrefix("#") && String(Self.trimmed(lines[$0]).dropFirst()).trimmingBlanks().hasPrefix("[") }
        let searchable = header + 1..<(exampleStart ?? end)
        if let index = searchable.first(where: { Self.commentedKey(lines[$0]) == key.asciiLowercased() }) {
            lines[index] = line
            return
        }
        let lastKey = body.last { Self.key(lines[$0]) != nil } ?? header
        lines.insert(line, at: lastKey + 1)
    }

    /// Appends a section with its entries at the end of the file, after a blank line.
    public mutating func addSection(_ name: String, entries: [(key: String, value: String)], comment: String? = nil) {
        if let last = lines.last, !Self.trimmed(last).isEmpty { lines.append("") }
        if let comment { lines.append("# \(comment)") }
        lines.append("[\(name)]")
        for (key, value) in entries { lines.append("\(key) = \(Self.quoted(value))") }
    }

    /// Removes a section: its header, its lines, and the comment lines just above the header; the comment lines just
    /// above the next section stay with it. Returns false when there is no such section.
    @discardableResult
    public mutating func removeSection(_ name: String) -> Bool {
        guard var (start, end) = range(of: name) else { return false }
        func isComment(_ index: Int) -> Bool {
            let text = Self.trimmed(lines[index])
            return (text.hasPrefix("#") || text.hasPrefix(";")) && Self.commentedKey(lines[index]) == nil
        }
        while start > 0, isComment(start - 1) { start -= 1 }
        if end < lines.count {
            while end - 1 > start, isComment(end - 1) { end -= 1 }
        }
        lines.removeSubrange(start..<end)
        // One blank line between what was before and after.
        while start < lines.count, start > 0, Self.trimmed(lines[start]).isEmpty, Self.trimmed(lines[start - 1]).isEmpty {
            lines.remove(at: start)
        }
        while let last = lines.last, Self.trimmed(last).isEmpty { lines.removeLast() }
        return true
    }

    /// The first free number for `reader` or `sink` sections.
    public func nextNumber(for prefix: String) -> Int {
        let used = Set(sectionNames.compactMap { name -> Int? in
            guard name.hasPrefix(prefix) else { return nil }
            return Int(name.dropFirst(prefix.count))
        })
        return (0...).first { !used.contains($0) }!
    }
}

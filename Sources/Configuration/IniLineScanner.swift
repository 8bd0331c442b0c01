import Protocols

/// Reads INI text line by line with iniparser's rules: comments start with `;` or `#`, a trailing `\` continues a
/// line, `[name]` opens a section, `key = value`, `key = "value"` or `key =` sets a key; an unquoted value ends at
/// the first `;` or `#`; names are lower-cased in ASCII only (iniparser's `tolower`). Reports the lines iniparser
/// would reject. Linear in the length of the text.
enum IniLineScanner {
    struct ScannedKey { var name: String; var value: String; var line: Int; var commentCut: Character? }
    struct ScannedSection { var name: String; var line: Int; var keys: [ScannedKey] }
    struct Result { var sections: [ScannedSection]; var problems: [ConfigurationProblem] }

    /// iniparser's ASCIILINESZ: longer lines are an error.
    static let maximumLineLength = 1023

    static func scan(_ text: String, file: String) -> Result {
        var sections: [ScannedSection] = []
        var problems: [ConfigurationProblem] = []
        var pending = ""
        var pendingStart = 0
        var continued = false
        if text.hasPrefix("\u{FEFF}") {
            problems.append(ConfigurationProblem(
                "the file starts with a UTF-8 byte order mark, which iniparser cannot read; save it without one",
                at: .file(file, line: 1)))
        }
        // Split on LF bytes as iniparser's fgets does ("\r\n" is one Character in Swift); a final LF ends the last line.
        var physicalLines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if physicalLines.count > 1 && physicalLines.last!.isEmpty { physicalLines.removeLast() }
        for (index, rawBytes) in physicalLines.enumerated() {
            let number = index + 1
            if rawBytes.count > maximumLineLength {
                problems.append(ConfigurationProblem("line longer than \(maximumLineLength) characters",
                                                     at: .file(file, line: number)))
                continue
            }
            let rawLine = String(decoding: rawBytes, as: UTF8.self)
            // iniparser strips the end of each physical line; a continuation keeps the blanks that start the next.
            var line = String(index == 0 && rawLine.hasPrefix("\u{FEFF}") ? rawLine.dropFirst() : rawLine[...]).strippingEnd()
            if pending.isEmpty { pendingStart = number }
            continued = line.hasSuffix("\\")
            if continued {
                line.removeLast()
                pending += line
                continue
            }
            line = (pending + line).strippingBlanks()
            pending = ""
            let location = ConfigurationLocation.file(file, line: pendingStart)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast().prefix { $0 != "]" }).strippingBlanks().asciiLowercased()
                guard !name.isEmpty else {
                    problems.append(ConfigurationProblem("syntax error: a section header needs a name: \(line)", at: location))
                    continue
                }
                sections.append(ScannedSection(name: name, line: pendingStart, keys: []))
                continue
            }
            guard let equals = line.firstIndex(of: "="),
                  case let key = String(line[..<equals]).strippingBlanks().asciiLowercased(), !key.isEmpty else {
                let reason = line.hasPrefix("[") ? "a section header needs a closing ']'"
                    : "expected 'key = value', '[section]' or a comment"
                // A line that starts like a secret's key (`password secret`) is not repeated.
                let lower = line.asciiLowercased()
                let shown = ConfigurationSecrets.keys.contains(where: { lower.hasPrefix($0) }) || lower.hasPrefix("dsn")
                    ? "(not shown: it may hold a secret)" : line
                problems.append(ConfigurationProblem("syntax error: \(reason): \(shown)", at: location))
                continue
            }
            guard !sections.isEmpty else {
                problems.append(ConfigurationProblem("'\(key)' is set before any [section]", at: location, key: key))
                continue
            }
            let (value, cut) = Self.value(after: line[line.index(after: equals)...])
            sections[sections.count - 1].keys.append(ScannedKey(name: key, value: value, line: pendingStart, commentCut: cut))
        }
        if continued {
            problems.append(ConfigurationProblem(
                "syntax error: the last line ends with '\\', which continues it onto a line that does not exist; iniparser ignores it",
                at: .file(file, line: pendingStart)))
        }
        return Result(sections: sections, problems: problems)
    }

    /// The value of `key = rest` as iniparser reads it, and the `;` or `#` that cut an unquoted value right after a
    /// character of it (`home/#`, `pass#word`): a comment there is almost always a value cut short by mistake.
    static func value(after rest: Substring) -> (String, Character?) {
        let text = rest.drop { $0.isINIBlank }
        if let quote = text.first, quote == "\"" || quote == "'" {
            let inside = text.dropFirst().prefix { $0 != quote }
            // `key = ""` is no quoted value for iniparser's scanf (it needs one character) but the empty value.
            if !inside.isEmpty { return (String(inside), nil) }
        }
        let end = text.firstIndex { $0 == ";" || $0 == "#" } ?? text.endIndex
        let value = text[..<end].strippingBlanks()
        if value == "\"\"" || value == "''" { return ("", nil) }
        let cut = end < text.endIndex && end > text.startIndex && !text[text.index(before: end)].isINIBlank ? text[end] : nil
        return (value, cut)
    }
}

extension Character {
    /// C's `isspace` in the C locale, with which iniparser strips lines, names and values ("\r\n" is one Character).
    var isINIBlank: Bool {
        unicodeScalars.allSatisfy { [" ", "\t", "\n", "\u{0B}", "\u{0C}", "\r"].contains($0) }
    }
}

extension StringProtocol {
    /// The text lower-cased in ASCII only, as iniparser (C's `tolower`) lower-cases section names and keys: a KELVIN
    /// SIGN (U+212A) stays what it is instead of becoming `k`.
    public func asciiLowercased() -> String {
        String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }

    /// Without leading and trailing C blanks.
    func strippingBlanks() -> String {
        guard let start = firstIndex(where: { !$0.isINIBlank }) else { return "" }
        return String(self[start...lastIndex(where: { !$0.isINIBlank })!])
    }

    /// Without trailing C blanks.
    func strippingEnd() -> String {
        guard let last = lastIndex(where: { !$0.isINIBlank }) else { return "" }
        return String(self[...last])
    }
}

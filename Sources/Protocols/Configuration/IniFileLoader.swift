internal import CIniParser
import FoundationEssentials
import Glibc

extension IniDocument {
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Loads an INI file with iniparser. iniparser gives the values but no line numbers and silently merges repeated
    /// sections and keys, so a line scan of the same text supplies the order, the line numbers and the repeats.
    /// Syntax errors are returned in `syntaxProblems` (all of them, with their lines), not thrown.
    public static func load(path: String) throws(LoadError) -> IniDocument {
        switch FileSystem.kind(of: path) {
        case .missing: throw LoadError(path: path, reason: "no such file")
        case .directory: throw LoadError(path: path, reason: "is a directory")
        case .other: break
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw LoadError(path: path, reason: "not readable")
        }
        let scan = IniLineScanner.scan(String(decoding: data, as: UTF8.self), file: path)
        if !scan.problems.isEmpty {
            return IniDocument(sections: [], syntaxProblems: scan.problems)
        }
        return try withIniparser(path: path) { dictionary throws(LoadError) in
            guard let dictionary else {
                throw LoadError(path: path, reason: "iniparser could not parse the file")
            }
            var sections: [Section] = []
            for scanned in scan.sections {
                var section = Section(name: scanned.name, location: .file(path, line: scanned.line))
                for key in scanned.keys {
                    let value = iniparser_getstring(dictionary, "\(scanned.name):\(key.name)", nil)
                        .map { String(cString: $0) } ?? ""
                    section.entries.append(Entry(key: key.name, value: value, location: .file(path, line: key.line)))
                }
                sections.append(section)
            }
            return IniDocument(sections: sections, syntaxProblems: [])
        }
    }

    private static func withIniparser<T>(path: String, _ body: (UnsafeMutablePointer<dictionary>?) throws(LoadError) -> T) throws(LoadError) -> T {
        smartmeter_iniparser_silence_errors()
        let dictionary = iniparser_load(path)
        defer { if let dictionary { iniparser_freedict(dictionary) } }
        return try body(dictionary)
    }
}

/// Finds sections, keys and their line numbers with iniparser's line rules (comments start with `;` or `#`, a
/// trailing `\` continues a line, `[name]` opens a section, `key = value` or `key =` sets a key) and reports the lines
/// iniparser would reject.
enum IniLineScanner {
    struct ScannedKey { var name: String; var line: Int }
    struct ScannedSection { var name: String; var line: Int; var keys: [ScannedKey] }
    struct Result { var sections: [ScannedSection]; var problems: [ConfigurationProblem] }

    /// iniparser's ASCIILINESZ: longer lines are an error.
    static let maximumLineLength = 1023

    static func scan(_ text: String, file: String) -> Result {
        var sections: [ScannedSection] = []
        var problems: [ConfigurationProblem] = []
        var pending = ""
        var pendingStart = 0
        if text.hasPrefix("\u{FEFF}") {
            problems.append(ConfigurationProblem(
                "the file starts with a UTF-8 byte order mark, which iniparser cannot read; save it without one",
                at: .file(file, line: 1)))
        }
        // Split on LF bytes as iniparser's fgets does ("\r\n" is one Character in Swift).
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        for (index, rawLine) in lines.enumerated() {
            let number = index + 1
            if rawLine.utf8.count > maximumLineLength {
                problems.append(ConfigurationProblem("line longer than \(maximumLineLength) characters",
                                                     at: .file(file, line: number)))
                continue
            }
            var line = String(index == 0 && rawLine.hasPrefix("\u{FEFF}") ? rawLine.dropFirst() : rawLine[...]).trimmingBlanks()
            if pending.isEmpty { pendingStart = number }
            if line.hasSuffix("\\") {
                line.removeLast()
                pending += line
                continue
            }
            line = (pending + line).trimmingBlanks()
            pending = ""
            let location = ConfigurationLocation.file(file, line: pendingStart)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                let name = String(line.dropFirst().dropLast().prefix { $0 != "]" }).trimmingBlanks().lowercased()
                sections.append(ScannedSection(name: name, line: pendingStart, keys: []))
                continue
            }
            guard let equals = line.firstIndex(of: "="),
                  case let key = String(line[..<equals]).trimmingBlanks().lowercased(), !key.isEmpty else {
                let reason = line.hasPrefix("[") ? "a section header needs a closing ']'"
                    : "expected 'key = value', '[section]' or a comment"
                problems.append(ConfigurationProblem("syntax error: \(reason): \(line)", at: location))
                continue
            }
            guard !sections.isEmpty else {
                problems.append(ConfigurationProblem("'\(key)' is set before any [section]", at: location, key: key))
                continue
            }
            sections[sections.count - 1].keys.append(ScannedKey(name: key, line: pendingStart))
        }
        return Result(sections: sections, problems: problems)
    }
}

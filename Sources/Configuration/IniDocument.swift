import Protocols

/// An INI configuration as sections of key/value entries in file order, each with where it came from.
/// Section names and keys are lower-cased in ASCII, as iniparser stores them; values are as iniparser returns them
/// (quotes removed, inline `;`/`#` comments cut, surrounding blanks trimmed).
public struct IniDocument: Sendable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var location: ConfigurationLocation
        /// The `;` or `#` that ended an unquoted value right after its last character (`topic_prefix = home/#` reads
        /// as `home/`): iniparser starts a comment there, which validation reports with the advice to quote.
        public var commentCut: Character?

        public init(key: String, value: String, location: ConfigurationLocation, commentCut: Character? = nil) {
            self.key = key
            self.value = value
            self.location = location
            self.commentCut = commentCut
        }
    }

    public struct Section: Sendable, Equatable {
        public var name: String
        public var location: ConfigurationLocation
        public var entries: [Entry]

        public init(name: String, location: ConfigurationLocation, entries: [Entry] = []) {
            self.name = name
            self.location = location
            self.entries = entries
        }

        /// The effective entry for a key: the last one, as iniparser keeps the last of repeated keys.
        public func entry(_ key: String) -> Entry? {
            entries.last { $0.key == key }
        }

        /// The value of a key, or nil when it is missing or empty (`key =` means "not set", as in the reference).
        public func value(_ key: String) -> String? {
            guard let value = entry(key)?.value, !value.isEmpty else { return nil }
            return value
        }
    }

    public var sections: [Section]
    /// Lines iniparser would reject, and entries outside any section. The document holds no values when the file
    /// had syntax errors.
    public var syntaxProblems: [ConfigurationProblem]

    public init(sections: [Section] = [], syntaxProblems: [ConfigurationProblem] = []) {
        self.sections = sections
        self.syntaxProblems = syntaxProblems
    }

    /// The first section of that name (duplicates are reported by validation).
    public func section(_ name: String) -> Section? {
        sections.first { $0.name == name }
    }

    /// Applies `SMARTMETER__SECTION__KEY=value` variables: they override a key of an existing section or add the key,
    /// and the section, when missing. Returns the problems with variable names that do not have that shape.
    @discardableResult
    public mutating func applyEnvironment(_ environment: [String: String], prefix: String = "SMARTMETER")
        -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        let marker = prefix + "__"
        for name in environment.keys.sorted() where name.hasPrefix(marker) {
            let value = environment[name]!
            let parts = name.dropFirst(marker.count).components(separatedBy: "__")
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                problems.append(ConfigurationProblem(
                    "expected \(marker)SECTION__KEY, for example \(marker)READER0__PORT", at: .environment(name)))
                continue
            }
            let sectionName = parts[0].asciiLowercased()
            let entry = Entry(key: parts[1].asciiLowercased(), value: value.trimmingBlanks(), location: .environment(name))
            if let index = sections.firstIndex(where: { $0.name == sectionName }) {
                sections[index].entries.removeAll { $0.key == entry.key }
                sections[index].entries.append(entry)
            } else {
                sections.append(Section(name: sectionName, location: .environment(name), entries: [entry]))
            }
        }
        return problems
    }
}

extension String {
    /// Without leading and trailing blanks as iniparser counts them (C's `isspace`: one rule with IniLineScanner).
    func trimmingBlanks() -> String { strippingBlanks() }
}

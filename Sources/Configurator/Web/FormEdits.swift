import Configuration
import Protocols

/// The changes a posted configuration form makes to the draft, through `IniTextEditor` as `set` makes them: only
/// the lines of changed keys change, comments and order stay. Only fields of sections and keys the form showed are
/// read; a value that could not stay on its line (CR, LF, NUL) refuses the whole change with the reason.
enum FormEdits {
    static func apply(_ form: FormData, to text: String, document: IniDocument) throws(WebError) -> String {
        var editor = IniTextEditor(text: text)
        for section in document.sections {
            for key in ConfigurationForm.keys(of: section) {
                guard let value = form[ConfigurationForm.fieldName(section.name, key.name)] else { continue }
                let current = section.entry(key.name)?.value ?? ""
                let secret = ConfigurationForm.isSecret(key.name)
                var new = secret ? value : value.trimmingBlanksForForm()
                if secret && new.isEmpty {
                    guard form["clear.\(section.name).\(key.name)"] == "1", !current.isEmpty else { continue }
                    new = ""
                }
                guard new != current else { continue }
                if let problem = EditableText.problem(in: new, what: "[\(section.name)] \(key.name)") {
                    throw WebError("not changed: \(problem)")
                }
                editor.set(section: section.name, key: key.name, value: new)
            }
        }
        return editor.text
    }

    /// Adds `[readerN]` or `[sinkN]` (next free number) of the chosen type, or `[logging]` / `[http]`.
    static func add(_ form: FormData, to text: String) throws(WebError) -> String {
        var editor = IniTextEditor(text: text)
        switch form["add"] ?? "" {
        case "reader":
            guard let type = form["newreader"].flatMap({ MeterType(rawValue: $0) }) else { throw WebError("unknown meter type") }
            editor.addSection("reader\(editor.nextNumber(for: "reader"))", entries: [("type", type.rawValue)], comment: type.summary)
        case "sink":
            guard let type = form["newsink"].flatMap({ SinkSchema.named($0) })?.type else { throw WebError("unknown sink type") }
            editor.addSection("sink\(editor.nextNumber(for: "sink"))", entries: [("type", type)])
        case "logging", "http":
            let name = form["add"]!
            guard !editor.hasSection(name) else { throw WebError("[\(name)] exists already") }
            editor.addSection(name, entries: [])
        default:
            throw WebError("nothing to add")
        }
        return editor.text
    }

    /// The reader section detect proposed, as `readerN` (`reader0` in an empty configuration).
    static func addProposal(_ entries: [(key: String, value: String)], to text: String) throws(WebError) -> String {
        guard !entries.isEmpty else { throw WebError("detect proposed no reader section") }
        for entry in entries {
            if let problem = EditableText.problem(in: entry.value, what: entry.key) { throw WebError(problem) }
        }
        var editor = IniTextEditor(text: text)
        let type = entries.first { $0.key == "type" }.flatMap { MeterType(rawValue: $0.value) }
        editor.addSection("reader\(editor.nextNumber(for: "reader"))", entries: entries, comment: type?.summary)
        return editor.text
    }
}

extension String {
    /// Without the blanks a browser field may carry at its ends (a pasted value).
    func trimmingBlanksForForm() -> String { trimmed(where: { $0 == " " || $0 == "\t" }) }
}

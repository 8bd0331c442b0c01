import FoundationEssentials
import Glibc
import Configuration
import Protocols
import SystemSupport

/// The configuration text a session edits, checked by the collector's own rules (`ConfigurationRules`) from a staged
/// copy beside the file, exactly as `set` and `validate` check it; saved atomically with the old file kept as `.bak`.
struct ConfigurationDraft {
    let path: String
    var text: String

    /// The secret values of a downloaded file are replaced by this; an upload that keeps it keeps the value.
    static let secretPlaceholder = "(secret kept on the server)"
    static let uploadLimit = 256 << 10

    /// The file's text ("" when there is none yet).
    static func fileText(_ path: String) throws(WebError) -> String {
        guard FileSystem.kind(of: path) != .missing else { return "" }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw WebError("cannot read \(path): \(FileSystem.errorText())") }
        defer { close(descriptor) }
        return String(decoding: FileSystem.readAll(descriptor, limit: 4 << 20), as: UTF8.self)
    }

    struct Checked {
        var document: IniDocument
        var problems: [ConfigurationProblem]
        var errors: [ConfigurationProblem] { problems.filter { $0.severity == .error } }
    }

    /// The draft parsed as the collector would read it, with every problem `validate` would report.
    func check() throws(WebError) -> Checked {
        let staged: (file: StagedFile, document: IniDocument)
        do {
            staged = try ConfigurationFile.stage(text, for: path)
        } catch {
            throw WebError(error.description)
        }
        staged.file.discard()
        let problems = ConfigurationFile.problems(in: staged.document, location: .file(path))
        return Checked(document: staged.document, problems: problems)
    }

    /// Writes the draft when it has no error: the old file to `FILE.bak`, then the new one renamed over it (a new
    /// file gets mode 0640, an existing one keeps its mode and owner). Returns the errors when not written.
    func save() throws(WebError) -> [ConfigurationProblem] {
        let staged: (file: StagedFile, document: IniDocument)
        do {
            staged = try ConfigurationFile.stage(text, for: path)
        } catch {
            throw WebError(error.description)
        }
        let errors = ConfigurationFile.problems(in: staged.document, location: .file(path)).filter { $0.severity == .error }
        guard errors.isEmpty else {
            staged.file.discard()
            return errors
        }
        do {
            if FileSystem.kind(of: path) != .missing {
                let mode: mode_t
                var status = stat()
                mode = stat(path, &status) == 0 ? status.st_mode & 0o7777 : ConfigurationFile.mode
                try FileSystem.writeAtomically(try Self.fileText(path), to: path + ".bak", mode: mode)
            }
            try ConfigurationFile.commit(staged.file)
        } catch {
            staged.file.discard()
            throw WebError("not saved: \(error)")
        }
        return []
    }

    // MARK: Download and upload

    /// The draft with every secret value replaced by `secretPlaceholder`.
    func redacted() -> String {
        var editor = IniTextEditor(text: text)
        guard let document = try? check().document else { return "" }
        for section in document.sections {
            for entry in section.entries where ConfigurationSecrets.isSecret(key: entry.key, value: entry.value) {
                editor.set(section: section.name, key: entry.key, value: Self.secretPlaceholder)
            }
        }
        return editor.text
    }

    /// An uploaded file as the new draft text, or the reason it is refused. Refused: more than `uploadLimit` bytes,
    /// not UTF-8, a NUL, a carriage return that does not end a line, other control characters, lines longer than
    /// iniparser reads (1024 bytes), and lines iniparser would reject. Secret values left as `secretPlaceholder` take
    /// the current draft's values.
    func upload(_ bytes: [UInt8]) throws(WebError) -> String {
        guard !bytes.isEmpty else { throw WebError("upload refused: the file is empty (or none was chosen)") }
        guard bytes.count <= Self.uploadLimit else {
            throw WebError("upload refused: \(bytes.count) bytes; a configuration file is at most \(Self.uploadLimit) bytes")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw WebError("upload refused: the file is not UTF-8 text")
        }
        var lineNumber = 1
        for line in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            let body = line.last == 13 ? line.dropLast() : line[...]
            if body.contains(0) { throw WebError("upload refused: line \(lineNumber) holds a NUL character") }
            if body.contains(13) {
                throw WebError("upload refused: line \(lineNumber) holds a carriage return inside the line; a value must stay on one line")
            }
            if let control = body.first(where: { $0 < 0x20 && $0 != 9 }) {
                throw WebError("upload refused: line \(lineNumber) holds the control character 0x\(String(control, radix: 16))")
            }
            if body.count > 1000 { throw WebError("upload refused: line \(lineNumber) is longer than 1000 bytes") }
            lineNumber += 1
        }
        let normalised = text.replacing("\r\n", with: "\n")
        var uploaded = ConfigurationDraft(path: path, text: normalised)
        let document = try uploaded.check().document
        if let syntax = document.syntaxProblems.first {
            throw WebError("upload refused: \(syntax.description)")
        }
        // Secrets kept on the server come back from the current draft.
        let current = try? check().document
        var editor = IniTextEditor(text: normalised)
        for section in document.sections {
            for entry in section.entries where entry.value == Self.secretPlaceholder {
                guard let value = current?.section(section.name)?.value(entry.key) else {
                    throw WebError("upload refused: [\(section.name)] \(entry.key) is \(Self.secretPlaceholder), but there is no such secret on the server; type it in")
                }
                editor.set(section: section.name, key: entry.key, value: value)
            }
        }
        uploaded.text = editor.text
        return uploaded.text
    }
}

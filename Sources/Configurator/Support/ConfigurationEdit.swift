import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols
import SystemSupport

/// The shared path of `set`, `add-reader`, `add-sink` and `remove`: read the file's text, change only the lines
/// concerned, check the result as the collector would, write it atomically.
enum ConfigurationEdit {
    /// Applies `change` to the file and writes it unless the change adds a problem. Problems the file had before are
    /// shown but do not block the edit, so a broken file can be fixed one step at a time.
    static func apply(to path: String, command: String, _ change: (inout IniTextEditor) throws -> String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "not readable (try sudo)" : "no such file"
            Console.fail(command, "cannot read \(path): \(reason); create it with 'smartmeter-config init' or 'smartmeter-config wizard'")
            throw ExitCode(2)
        }
        let before = String(decoding: data, as: UTF8.self)
        var editor = IniTextEditor(text: before)
        let summary = try change(&editor)
        let oldProblems = ConfigurationFile.problems(in: try ConfigurationFile.load(path, command: command), location: .file(path))
        // The new text is checked from the very file that replaces the old one, written beside it.
        let staged: (file: StagedFile, document: IniDocument)
        do {
            staged = try ConfigurationFile.stage(editor.text, for: path)
        } catch {
            Console.fail(command, error.description)
            throw ExitCode(1)
        }
        let newProblems = ConfigurationFile.problems(in: staged.document, location: .file(path))
        let known = Set(oldProblems.map(identity))
        let added = newProblems.filter { $0.severity == .error && !known.contains(identity($0)) }
        guard added.isEmpty else {
            staged.file.discard()
            Console.err("smartmeter-config \(command): not written, the change would make the configuration invalid:")
            for problem in added { Console.err("  \(problem)") }
            throw ExitCode(1)
        }
        do {
            try ConfigurationFile.commit(staged.file)
        } catch {
            Console.fail(command, error.description)
            throw ExitCode(1)
        }
        Console.out("\(path): \(summary)")
        let remaining = newProblems.filter { $0.severity == .error }
        if !remaining.isEmpty {
            Console.err("the configuration still has \(Validate.count(remaining.count, "problem")) (see 'smartmeter-config validate')")
        }
    }

    /// `add-reader` and `add-sink`: a new section `requested` (else `<kind><next number>`) with `entries`, after a
    /// `comment` line; a section of that name that exists already is refused with how to change it instead.
    static func addSection(kind: String, requested: String?, entries: [(key: String, value: String)], comment: String? = nil,
                           to path: String) throws {
        let command = "add-" + kind
        try apply(to: path, command: command) { editor in
            let name = requested?.asciiLowercased() ?? "\(kind)\(editor.nextNumber(for: kind))"
            if editor.hasSection(name) {
                Console.fail(command, "[\(name)] exists already; change it with 'smartmeter-config set \(name).KEY=VALUE'")
                throw ExitCode(1)
            }
            editor.addSection(name, entries: entries, comment: comment)
            return "added [\(name)]"
        }
    }

    /// A problem without its line number, to tell old problems from new ones after lines moved.
    private static func identity(_ problem: ConfigurationProblem) -> String {
        "\(problem.section ?? "")|\(problem.key ?? "")|\(problem.message)"
    }

    /// `KEY=VALUE`, split at the first '='.
    static func assignment(_ text: String) -> (key: String, value: String)? {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let key = text[..<equals].trimmed.asciiLowercased()
        // Key names are ASCII letters, digits, '_' and '.' (SECTION.KEY), as every key of the schema: a '[' or ']'
        // could make the line a section header.
        guard !key.isEmpty, key.utf8.allSatisfy({ $0 == 0x5F || $0 == 0x2E || (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        return (key, text[text.index(after: equals)...].trimmed)
    }
}

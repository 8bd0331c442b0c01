import ArgumentParser
import FoundationEssentials
import Glibc
import Protocols

/// Reading, checking and writing the configuration file.
enum ConfigurationFile {
    struct WriteError: Error, CustomStringConvertible {
        var description: String
    }

    /// The mode of files we create: the file may hold keys and passwords.
    static let mode: mode_t = 0o640

    /// The file's document, or exit 2 with the reason on standard error.
    static func load(_ path: String, command: String) throws -> IniDocument {
        do {
            return try IniDocument.load(path: path)
        } catch {
            Console.fail(command, "cannot read \(error)")
            throw ExitCode(2)
        }
    }

    /// Every problem of a document: the collector's validation, then (when it passes the syntax) the checks of the
    /// files and devices it names. Warnings come last.
    static func problems(in document: IniDocument, location: ConfigurationLocation) -> [ConfigurationProblem] {
        var problems: [ConfigurationProblem] = []
        if case .failure(let errors) = ConfigurationValidator(documentLocation: location).validate(document) {
            problems = errors.problems
        }
        if document.syntaxProblems.isEmpty {
            problems += ConfigurationFileChecks().problems(in: document)
            problems += ClientIDConflicts.problems(in: document)
        }
        if case .file(let path) = location.origin, let warning = ConfigurationSecrets.permissionWarning(path: path, document: document) {
            problems.append(ConfigurationProblem(warning, at: location, severity: .warning))
        }
        return problems.filter { $0.severity == .error } + problems.filter { $0.severity == .warning }
    }

    /// Parses text as the collector would (through iniparser, from a temporary file), reporting lines as `path`.
    static func document(fromText text: String, reportedAs path: String) throws -> IniDocument {
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("smartmeter-config-\(getpid())-\(UUID().uuidString.prefix(8)).ini").path
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
        else { throw WriteError(description: "cannot write a temporary file in \(FileManager.default.temporaryDirectory.path)") }
        defer { try? FileManager.default.removeItem(atPath: temporary) }
        var document = try IniDocument.load(path: temporary)
        document.relocate(from: temporary, to: path)
        return document
    }

    /// Writes `text` to `path` atomically with mode 0640 for a new file (see `FileSystem.writeAtomically`).
    static func writeAtomically(_ text: String, to path: String) throws(WriteError) {
        do {
            try FileSystem.writeAtomically(text, to: path, mode: mode)
        } catch {
            throw WriteError(description: error.text)
        }
    }
}

extension IniDocument {
    /// Replaces the file name in every location (problems found in a temporary copy name the real file).
    mutating func relocate(from old: String, to new: String) {
        func fix(_ location: inout ConfigurationLocation) {
            if case .file(old) = location.origin { location.origin = .file(new) }
        }
        for index in sections.indices {
            fix(&sections[index].location)
            for entry in sections[index].entries.indices { fix(&sections[index].entries[entry].location) }
        }
        for index in syntaxProblems.indices { fix(&syntaxProblems[index].location) }
    }
}

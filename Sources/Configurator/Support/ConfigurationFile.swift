import ArgumentParser
import FoundationEssentials
import Glibc
import Configuration
import Protocols
import SystemSupport

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

    /// Every problem of a document by the collector's own rules (`ConfigurationRules`), errors first.
    static func problems(in document: IniDocument, location: ConfigurationLocation) -> [ConfigurationProblem] {
        ConfigurationRules(location: location).check(document).problems
    }

    /// `text` written to a `StagedFile` beside `path` (mode 0600 until committed, never a copy in /tmp) and parsed
    /// from there as the collector would (through iniparser), with lines reported as `path`. The caller commits the
    /// file (`commit(_:)`) or discards it. Missing folders of `path` are created.
    static func stage(_ text: String, for path: String) throws(WriteError) -> (file: StagedFile, document: IniDocument) {
        let staged: StagedFile
        do {
            let slash = path.lastIndex(of: "/")
            let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
            if FileSystem.kind(of: folder) == .missing { try FileSystem.createDirectories(folder, mode: 0o750) }
            staged = try StagedFile(for: path)
            try staged.write(text)
        } catch {
            throw WriteError(description: error.text)
        }
        do {
            var document = try IniDocument.load(path: staged.path)
            document.relocate(from: staged.path, to: path)
            return (staged, document)
        } catch {
            staged.discard()
            throw WriteError(description: "cannot read back \(path): \(error)")
        }
    }

    /// Renames a staged file over its target: a new file gets mode 0640, an existing one keeps mode and owner.
    static func commit(_ staged: StagedFile) throws(WriteError) {
        do {
            try staged.commit(mode: mode)
        } catch {
            throw WriteError(description: error.text)
        }
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

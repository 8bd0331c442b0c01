import ArgumentParser
import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// Keys, passwords and connection strings given in a file instead of on the command line, where `ps`, the shell
/// history and process accounting would show them. Every option that takes a secret has a twin ending in `-file`
/// (`--key-file`, `--auth-key-file`, `--password-file`, `--db-file`, `set --value-file SECTION.KEY=PATH`): PATH is
/// read up to its first line break; `-` reads standard input (without echo on a terminal).
enum SecretInput {
    /// Longest secret file read (a connection string is the longest secret).
    static let limit = 65_536

    /// The value of `option` (given directly) or of `fileOption` (read from its file); both at once is an error.
    static func resolve(_ value: String?, option: String, file: String?, fileOption: String) throws -> String? {
        guard let file else { return value }
        if value != nil { throw ValidationError("give \(option) or \(fileOption), not both") }
        return try read(file, option: fileOption)
    }

    /// The first line of the file at `path` (`-`: standard input), without its line break; the file must hold
    /// something and nothing after that line but blank lines.
    static func read(_ path: String, option: String) throws -> String {
        let bytes: [UInt8]
        if path == "-" {
            bytes = isatty(STDIN_FILENO) == 1 ? Array(try promptHidden(option).utf8) : FileSystem.readAll(STDIN_FILENO, limit: limit + 1)
        } else {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            guard descriptor >= 0 else { throw ValidationError("\(option): cannot read \(path): \(FileSystem.errorText())") }
            defer { close(descriptor) }
            var status = stat()
            guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
                throw ValidationError("\(option): \(path) is not a regular file")
            }
            bytes = FileSystem.readAll(descriptor, limit: limit + 1)
        }
        guard bytes.count <= limit else { throw ValidationError("\(option): more than \(limit) bytes; a secret is one line") }
        // Lines split on LF bytes, each without a CR at its end ("\r\n" is one Character in Swift).
        let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map {
            String(decoding: $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0, as: UTF8.self)
        }
        let first = lines.first ?? ""
        if first.isEmpty { throw ValidationError("\(option): \(path == "-" ? "standard input" : path) holds no value on its first line") }
        if lines.dropFirst().contains(where: { !$0.trimmed.isEmpty }) {
            throw ValidationError("\(option): \(path == "-" ? "standard input" : path) holds more than one line; a secret is one line")
        }
        if let problem = EditableText.problem(in: first, what: option) { throw ValidationError(problem) }
        return first
    }

    /// Options of one command that read standard input: at most one may.
    static func checkOneStandardInput(_ files: [(option: String, path: String?)], also other: String? = nil) throws {
        let readers = files.filter { $0.path == "-" }.map(\.option) + (other.map { [$0] } ?? [])
        if readers.count > 1 {
            throw ValidationError("only one of \(readers.joined(separator: ", ")) can read standard input ('-')")
        }
    }

    /// A line typed at the terminal with echo off, the prompt on standard error.
    private static func promptHidden(_ option: String) throws -> String {
        var saved = termios()
        let hidden = tcgetattr(STDIN_FILENO, &saved) == 0
        if hidden {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSANOW, &quiet)
        }
        _ = FileSystem.writeAll(STDERR_FILENO, "\(option): ")
        defer {
            if hidden { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
            _ = FileSystem.writeAll(STDERR_FILENO, "\n")
        }
        guard let line = readLine(strippingNewline: true) else { throw ValidationError("\(option): no input") }
        return line
    }
}

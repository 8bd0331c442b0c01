import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

extension IniDocument {
    public struct LoadError: Error, Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// Loads an INI file by iniparser's rules (`IniLineScanner`; tests check it against iniparser itself). One pass
    /// over the text gives the values, their order, their line numbers and the repeats, which iniparser merges
    /// silently (and finds in time that grows with the square of the number of keys). Syntax errors are returned in
    /// `syntaxProblems` (all of them, with their lines), not thrown.
    public static func load(path: String) throws(LoadError) -> IniDocument {
        switch FileSystem.kind(of: path) {
        case .missing: throw LoadError(path: path, reason: "no such file")
        case .directory: throw LoadError(path: path, reason: "is a directory")
        case .other: break
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { throw LoadError(path: path, reason: "not readable (\(FileSystem.errorText()))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw LoadError(path: path, reason: "not a regular file")
        }
        let scan = IniLineScanner.scan(String(decoding: FileSystem.readAll(descriptor), as: UTF8.self), file: path)
        guard scan.problems.isEmpty else { return IniDocument(sections: [], syntaxProblems: scan.problems) }
        let sections = scan.sections.map { scanned in
            Section(name: scanned.name, location: .file(path, line: scanned.line), entries: scanned.keys.map {
                Entry(key: $0.name, value: $0.value, location: .file(path, line: $0.line), commentCut: $0.commentCut)
            })
        }
        return IniDocument(sections: sections, syntaxProblems: [])
    }
}

import FoundationEssentials
import Glibc
import Protocols

/// Reads a capture as users give it: a file or standard input, hex text or raw bytes.
enum CaptureInput {
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(path: String?) throws -> [UInt8] {
        if path == nil || path == "-" {
            return FileSystem.readAll(STDIN_FILENO)
        }
        let path = path!
        if FileSystem.kind(of: path) == .directory { throw ReadError(description: "'\(path)' is a directory") }
        guard let bytes = FileSystem.contents(of: path) else {
            throw ReadError(description: "cannot read '\(path)': no such file or not readable")
        }
        return bytes
    }
}

import Foundation
import Protocols

/// Reads a capture as users give it: a file or standard input, hex text or raw bytes.
enum CaptureInput {
    struct ReadError: Error, CustomStringConvertible {
        let description: String
    }

    static func read(path: String?) throws -> [UInt8] {
        if path == nil || path == "-" {
            return [UInt8](FileHandle.standardInput.readDataToEndOfFile())
        }
        let path = path!
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "cannot read '\(path)': no such file or not readable")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ReadError(description: "'\(path)' is a directory")
        }
        return [UInt8](data)
    }
}

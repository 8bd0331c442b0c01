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

    /// Hex text when every byte is a hex digit, whitespace or a separator; raw bytes otherwise.
    static func bytes(fromCapture input: [UInt8]) -> [UInt8] {
        let looksLikeHex = !input.isEmpty && input.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
                 UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"),
                 UInt8(ascii: "\r"), UInt8(ascii: ","), UInt8(ascii: "x"), UInt8(ascii: "X"):
                return true
            default:
                return false
            }
        }
        if looksLikeHex, let bytes = try? Hex.bytes(fromLenient: String(decoding: input, as: UTF8.self)) {
            return bytes
        }
        return input
    }
}

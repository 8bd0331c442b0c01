import Foundation

/// Unbuffered output, so prompts and messages appear in order on a terminal and in a pipe.
enum Console {
    static func out(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((text + terminator).utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// `smartmeter-config <command>: message` on standard error.
    static func fail(_ command: String, _ message: String) {
        err("smartmeter-config \(command): \(message)")
    }
}

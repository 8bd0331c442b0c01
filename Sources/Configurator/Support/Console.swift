import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// Unbuffered output, so prompts and messages appear in order on a terminal and in a pipe.
enum Console {
    static func out(_ text: String, terminator: String = "\n") {
        _ = FileSystem.writeAll(STDOUT_FILENO, text + terminator)
    }

    static func err(_ text: String) {
        _ = FileSystem.writeAll(STDERR_FILENO, text + "\n")
    }

    /// `smartmeter-config <command>: message` on standard error.
    static func fail(_ command: String, _ message: String) {
        err("smartmeter-config \(command): \(message)")
    }
}

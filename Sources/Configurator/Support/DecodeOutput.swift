import Glibc
import Protocols

/// The JSON lines of `decode`, written into one reused byte buffer and handed to standard output in large writes.
struct DecodeOutput {
    static let writeSize = 1 << 20
    private let buffer = OutputBytes(capacity: Self.writeSize + (64 << 10))
    private var failed = false

    mutating func append(_ reading: Reading) {
        ReadingJSON.appendLine(reading, to: buffer)
        flushIfFull()
    }

    mutating func flushIfFull() {
        if buffer.count >= Self.writeSize { flush() }
    }

    /// A closed standard output (`| head`) ends the writing, not the decoding summary.
    mutating func flush() {
        if !failed, !buffer.isEmpty {
            failed = buffer.withBytes { FileSystem.writeAll(STDOUT_FILENO, $0) } != nil
        }
        buffer.removeAll(keepingCapacityUpTo: Self.writeSize + (64 << 10))
    }
}

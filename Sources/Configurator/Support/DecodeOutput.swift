import Glibc
import Protocols

/// The JSON lines of `decode`, written into one reused byte buffer and handed to standard output in large writes.
struct DecodeOutput {
    static let writeSize = 1 << 20
    private var buffer: [UInt8] = []
    private var failed = false

    init() {
        buffer.reserveCapacity(Self.writeSize + (64 << 10))
    }

    mutating func append(_ reading: Reading) {
        ReadingJSON.append(reading, to: &buffer)
        buffer.append(UInt8(ascii: "\n"))
        flushIfFull()
    }

    mutating func flushIfFull() {
        if buffer.count >= Self.writeSize { flush() }
    }

    /// A closed standard output (`| head`) ends the writing, not the decoding summary.
    mutating func flush() {
        if !failed, !buffer.isEmpty {
            failed = buffer.withUnsafeBytes { FileSystem.writeAll(STDOUT_FILENO, $0) } != nil
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

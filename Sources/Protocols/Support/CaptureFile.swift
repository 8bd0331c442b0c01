import Glibc

/// A capture read as a stream in fixed-size chunks, from a file or standard input, so that a file of any size takes
/// the same memory. Knows its size when it is a regular file, for progress reports.
public final class CaptureFile {
    public static let chunkSize = 1 << 16

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String
    /// The size of a regular file; nil for a pipe, a terminal, standard input that is not a file.
    public let size: Int?
    public private(set) var bytesRead = 0
    private var descriptor: Int32
    private let ownsDescriptor: Bool
    private var chunk: [UInt8]

    /// `nil` or `-`: standard input.
    public init(path: String?) throws(OpenError) {
        if let path, path != "-" {
            if FileSystem.kind(of: path) == .directory { throw OpenError(description: "'\(path)' is a directory") }
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw OpenError(description: "cannot read '\(path)': \(FileSystem.errorText())")
            }
            self.path = path
            ownsDescriptor = true
        } else {
            descriptor = STDIN_FILENO
            self.path = "-"
            ownsDescriptor = false
        }
        var info = stat()
        size = fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    deinit { close() }

    /// The next chunk, handed to `body`; false at the end of the input (or on a read error, in `readError`).
    public func next(_ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard descriptor >= 0 else { return false }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { readError = FileSystem.errorText() }
            guard count > 0 else { return false }
            bytesRead += count
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            return true
        }
    }

    /// Why the last read failed, if it did.
    public private(set) var readError: String?

    /// Idempotent.
    public func close() {
        if ownsDescriptor && descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }
}

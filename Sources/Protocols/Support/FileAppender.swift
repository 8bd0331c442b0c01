import Glibc

/// One file opened for appending with `O_APPEND` (emptied first with `truncate`); `append` writes everything or
/// throws, `sync` is `fsync(2)`. Errors name the file and errno's reason.
public final class FileAppender {
    public let path: String
    private var descriptor: Int32

    public init(path: String, truncate: Bool = false) throws(FileSystem.FailureReason) {
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0o644)
        guard descriptor >= 0 else { throw .init(text: "cannot open \(path): \(FileSystem.errorText())") }
    }

    deinit {
        assert(descriptor < 0, "FileAppender for \(path) not closed")
    }

    /// The file's size when opened, to know whether it needs a header.
    public var size: Int {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
    }

    public func append(_ text: String) throws(FileSystem.FailureReason) {
        if let code = FileSystem.writeAll(descriptor, text) {
            throw .init(text: "cannot write \(path): \(FileSystem.errorText(code))")
        }
    }

    public func append(_ bytes: [UInt8]) throws(FileSystem.FailureReason) {
        let code = bytes.withUnsafeBytes { FileSystem.writeAll(descriptor, $0) }
        if let code {
            throw .init(text: "cannot write \(path): \(FileSystem.errorText(code))")
        }
    }

    public func sync() throws(FileSystem.FailureReason) {
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw .init(text: "cannot sync \(path): \(FileSystem.errorText())")
        }
    }

    /// Idempotent.
    public func close() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }
}

import Foundation

/// One file opened for appending with `O_APPEND`; `append` writes everything or throws, `sync` is `fsync(2)`.
final class FileAppender {
    let path: String
    private var descriptor: Int32

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw SinkError(description: "cannot open \(path): \(String(cString: strerror(errno)))") }
    }

    deinit {
        assert(descriptor < 0, "FileAppender for \(path) not closed")
    }

    /// The file's size when opened, to know whether it needs a header.
    var size: Int {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? Int(info.st_size) : 0
    }

    func append(_ text: String) throws {
        var text = text
        try text.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SinkError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    func sync() throws {
        guard fsync(descriptor) == 0 || errno == EINVAL else {
            throw SinkError(description: "cannot sync \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Idempotent.
    func close() {
        if descriptor >= 0 {
            _ = Foundation.close(descriptor)
            descriptor = -1
        }
    }
}

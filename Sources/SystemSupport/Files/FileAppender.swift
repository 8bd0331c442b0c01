import Glibc
import MeterDecoding

/// One file opened for appending with `O_APPEND` (emptied first with `truncate`); `append` writes everything or
/// throws, `sync` is `fsync(2)`. Errors name the file and errno's reason.
///
/// Only a regular file is written: the name is opened with `O_NOFOLLOW` (a symbolic link planted where a CSV, JSON
/// lines or backup file goes is refused, not followed to another file) and `O_NONBLOCK` (a FIFO without a reader
/// fails at once instead of blocking the collector), and what was opened must be a regular file. A sink meant to
/// write a stream (JSON lines to a pipe or a device) asks for `.regularOrStream`: FIFOs and character devices are
/// then accepted too (and a FIFO is waited for, as before); links are still not followed.
public final class FileAppender {
    /// What may be opened under the name.
    public enum Accepted: Sendable {
        case regularFile
        case regularOrStream
    }

    public let path: String
    private var descriptor: Int32

    public init(path: String, truncate: Bool = false, accepting: Accepted = .regularFile) throws(FileSystem.FailureReason) {
        self.path = path
        let waitForReader: Int32
        switch accepting {
        case .regularFile: waitForReader = O_NONBLOCK
        case .regularOrStream: waitForReader = 0
        }
        let opened = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | waitForReader, 0o644)
        guard opened >= 0 else {
            let reason = errno == ELOOP ? "a symbolic link, which is not followed" : FileSystem.errorText()
            throw .init(text: "cannot open \(path): \(reason)")
        }
        var info = stat()
        let kind = fstat(opened, &info) == 0 ? info.st_mode & S_IFMT : 0
        let acceptable: Bool
        switch accepting {
        case .regularFile: acceptable = kind == S_IFREG
        case .regularOrStream: acceptable = kind == S_IFREG || kind == S_IFIFO || kind == S_IFCHR
        }
        guard acceptable else {
            _ = Glibc.close(opened)
            throw .init(text: "cannot open \(path): not a regular file")
        }
        // Emptied only once known to be a regular file of its own name.
        if truncate, kind == S_IFREG, ftruncate(opened, 0) != 0 {
            let reason = FileSystem.errorText()
            _ = Glibc.close(opened)
            throw .init(text: "cannot empty \(path): \(reason)")
        }
        _ = fcntl(opened, F_SETFL, O_WRONLY | O_APPEND)
        descriptor = opened
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
        if let code = bytes.withUnsafeBytes({ FileSystem.writeAll(descriptor, $0) }) {
            throw .init(text: "cannot write \(path): \(FileSystem.errorText(code))")
        }
    }

    public func append(_ bytes: OutputBytes) throws(FileSystem.FailureReason) {
        if let code = bytes.withBytes({ FileSystem.writeAll(descriptor, $0) }) {
            throw .init(text: "cannot write \(path): \(FileSystem.errorText(code))")
        }
    }

    /// Starts writing what was appended to the disk without waiting for it (`sync_file_range` with
    /// `SYNC_FILE_RANGE_WRITE`), so that the next `sync` finds little left to wait for: a replay writing hundreds of
    /// megabytes then does not stop for each sync. Nothing happens for a stream (a FIFO, a terminal).
    public func startWriteback() {
        _ = syncFileRange(descriptor, 0, 0, 2 /* SYNC_FILE_RANGE_WRITE */)
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

/// glibc's sync_file_range, which the Glibc module hides behind _GNU_SOURCE.
@_silgen_name("sync_file_range")
private func syncFileRange(_ descriptor: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32

import Glibc

/// A new file written beside its final name and renamed over it once complete: what `writeAtomically`, the
/// configurator's edits and the spool's head use, so a file that may hold secrets is never copied elsewhere (no
/// `/tmp`) and a crash leaves either the old file or the new one.
///
/// The temporary name (`.NAME.tmp-RANDOM` in the same folder) is created with `O_CREAT | O_EXCL | O_NOFOLLOW` and
/// mode 0600: a name planted in advance (a symbolic link, a FIFO, another user's file) makes the creation fail
/// instead of being written through, and nobody else can read the text before `commit` gives the file its mode.
public final class StagedFile {
    /// The temporary file, until `commit` or `discard`.
    public let path: String
    /// The final name.
    public let target: String
    private var descriptor: Int32

    /// Creates the temporary file in the folder of `target` (which must exist).
    public init(for target: String) throws(FileSystem.FailureReason) {
        self.target = target
        let slash = target.lastIndex(of: "/")
        let folder = slash.map { $0 == target.startIndex ? "/" : String(target[..<$0]) } ?? "."
        let name = slash.map { String(target[target.index(after: $0)...]) } ?? target
        let prefix = (folder == "/" ? "" : folder) + "/." + name + ".tmp-"
        var attempts = 0
        while true {
            let candidate = prefix + String(UInt32.random(in: 0...UInt32.max), radix: 16)
            let opened = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            if opened >= 0 {
                path = candidate
                descriptor = opened
                return
            }
            attempts += 1
            guard errno == EEXIST, attempts < 16 else {
                throw .init(text: "cannot write in \(folder): \(FileSystem.errorText())" + (errno == EACCES ? " (try sudo)" : ""))
            }
        }
    }

    deinit {
        assert(descriptor < 0, "StagedFile \(path) neither committed nor discarded")
        discard()
    }

    /// Writes all of `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(FileSystem.FailureReason) {
        if let code = FileSystem.writeAll(descriptor, bytes) {
            throw .init(text: "cannot write \(target): \(FileSystem.errorText(code))")
        }
    }

    /// Writes all of `text`'s UTF-8.
    public func write(_ text: String) throws(FileSystem.FailureReason) {
        if let code = FileSystem.writeAll(descriptor, text) {
            throw .init(text: "cannot write \(target): \(FileSystem.errorText(code))")
        }
    }

    /// Flushes the file, gives it its mode (and, when it replaces a file, that file's mode, owner and group) and
    /// renames it over `target`. On failure the temporary file is removed and the old file stays as it was.
    public func commit(mode: mode_t, keepOwnerAndMode: Bool = true) throws(FileSystem.FailureReason) {
        var existing = stat()
        if keepOwnerAndMode, lstat(target, &existing) == 0, existing.st_mode & S_IFMT == S_IFREG {
            _ = fchown(descriptor, existing.st_uid, existing.st_gid)
            fchmod(descriptor, existing.st_mode & 0o7777)
        } else {
            fchmod(descriptor, mode)
        }
        var failure: String?
        if fsync(descriptor) != 0 { failure = FileSystem.errorText() }
        close(descriptor)
        descriptor = -1
        if failure == nil, rename(path, target) != 0 { failure = FileSystem.errorText() }
        if let failure {
            unlink(path)
            throw .init(text: "cannot write \(target): \(failure)")
        }
    }

    /// Removes the temporary file. Idempotent; does nothing after `commit`.
    public func discard() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
        unlink(path)
    }
}

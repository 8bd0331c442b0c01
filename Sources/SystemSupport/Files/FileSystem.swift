import Glibc

/// The few file-system questions the collector asks, answered with plain system calls and errno's text (the
/// messages users read name the file and the system's reason, e.g. "Permission denied").
public enum FileSystem {
    public enum Kind: Equatable {
        case missing
        case directory
        case other
    }

    /// The system's text for an errno value (the current one by default).
    public static func errorText(_ code: Int32 = errno) -> String {
        String(cString: strerror(code))
    }

    /// Writes all of `bytes` to `descriptor`, retrying short and interrupted writes; nil, or the errno that stopped it.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    /// `writeAll` of a string's UTF-8.
    public static func writeAll(_ descriptor: Int32, _ text: String) -> Int32? {
        var text = text
        return text.withUTF8 { writeAll(descriptor, UnsafeRawBufferPointer($0)) }
    }

    /// Everything readable from `descriptor` until end of file (at most `limit` bytes).
    public static func readAll(_ descriptor: Int32, limit: Int = 1 << 30) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<min(count, limit - bytes.count)]
        }
        return bytes
    }

    /// The contents of the file at `path`, or nil when it cannot be opened.
    public static func contents(of path: String, limit: Int = 1 << 30) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        return readAll(descriptor, limit: limit)
    }

    public static func kind(of path: String) -> Kind {
        var status = stat()
        guard stat(path, &status) == 0 else { return .missing }
        return status.st_mode & S_IFMT == S_IFDIR ? .directory : .other
    }

    /// Creates `path` and its missing parents (like `mkdir -p`, mode 0750: readings are nobody else's business); the
    /// reason in the error is errno's text.
    public static func createDirectories(_ path: String, mode: mode_t = 0o750) throws(FailureReason) {
        if kind(of: path) == .directory { return }
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0 && errno != EEXIST { throw FailureReason(text: errorText()) }
        }
        guard kind(of: path) == .directory else { throw FailureReason(text: "not a directory") }
    }

    /// Creates `path` like `createDirectories` and accepts it only when no other user can plant names in it: a folder
    /// that another user (not root, not us) owns and may write, or that every user may write without the sticky bit,
    /// is refused with the reason. For the folders the collector and the configurator write readings, spools and
    /// backups into; the files in them are opened without following links besides.
    public static func prepareFolder(_ path: String) throws(FailureReason) {
        try createDirectories(path)
        if let reason = untrustedFolderReason(path) { throw FailureReason(text: reason) }
    }

    /// Why another user could plant files or links in the folder at `path`; nil when they cannot.
    public static func untrustedFolderReason(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        let owner = status.st_uid
        if owner != geteuid() && owner != 0 && status.st_mode & S_IWUSR != 0 {
            return "\(path) belongs to \(userName(owner)), who can write it and so plant links or files under the names "
                + "we write; use a folder of the user that runs this (or chown it)"
        }
        if status.st_mode & S_IWOTH != 0 && status.st_mode & S_ISVTX == 0 {
            return "\(path) can be written by every user, who could plant links or files under the names we write; "
                + "chmod o-w it or use another folder"
        }
        return nil
    }

    /// `name (uid N)`, or `uid N` for a user without a name.
    static func userName(_ uid: uid_t) -> String {
        guard let entry = getpwuid(uid), let name = entry.pointee.pw_name else { return "uid \(uid)" }
        return "user \(String(cString: name)) (uid \(uid))"
    }

    /// Writes `text` to `path` atomically through a `StagedFile` in the same folder, flushed, then renamed over the
    /// old file. A new file gets `mode`; an existing file keeps its mode, owner and group. Missing folders are created.
    public static func writeAtomically(_ text: String, to path: String, mode: mode_t) throws(FailureReason) {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        if kind(of: folder) == .missing {
            do {
                try createDirectories(folder)
            } catch {
                throw FailureReason(text: "cannot create \(folder): \(error.text)")
            }
        }
        let staged = try StagedFile(for: path)
        do {
            try staged.write(text)
        } catch {
            staged.discard()
            throw error
        }
        try staged.commit(mode: mode)
    }

    public struct FailureReason: Error, CustomStringConvertible {
        public let text: String
        public var description: String { text }
    }
}

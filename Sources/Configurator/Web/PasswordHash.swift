internal import CLibCrypto
import Glibc
import Configuration
import Protocols
import SystemSupport

/// The web configurator's password as a salted slow hash: PBKDF2-HMAC-SHA256 (libcrypto) with a random 16-byte salt,
/// stored in one line `pbkdf2-sha256$ITERATIONS$SALT$HASH` (hex) in a file of mode 0600.
struct PasswordHash: Equatable {
    static let defaultIterations = 310_000
    static let minimumIterations = 200_000
    static let prefix = "pbkdf2-sha256"

    var iterations: Int
    var salt: [UInt8]
    var hash: [UInt8]

    /// A new hash of `password` with a fresh random salt.
    init(password: String, iterations: Int = defaultIterations) throws(WebError) {
        self.iterations = iterations
        salt = try Self.randomBytes(16)
        hash = try Self.derive(password, salt: salt, iterations: iterations)
    }

    /// Parses the stored line; nil when it is not one (or its iteration count is below the minimum).
    init?(line: String) {
        let parts = line.trimmed.split(separator: "$").map(String.init)
        guard parts.count == 4, parts[0] == Self.prefix, let count = Int(parts[1]), count >= Self.minimumIterations,
              let salt = try? Hex.bytes(fromLenient: parts[2]), salt.count >= 16, let hash = try? Hex.bytes(fromLenient: parts[3]), hash.count == 32
        else { return nil }
        (iterations, self.salt, self.hash) = (count, salt, hash)
    }

    var line: String {
        "\(Self.prefix)$\(iterations)$\(Hex.string(salt))$\(Hex.string(hash))"
    }

    /// Whether `password` is the one hashed, compared in constant time.
    func matches(_ password: String) -> Bool {
        guard let candidate = try? Self.derive(password, salt: salt, iterations: iterations) else { return false }
        var difference: UInt8 = 0
        for (a, b) in zip(candidate, hash) { difference |= a ^ b }
        return difference == 0 && candidate.count == hash.count
    }

    static func derive(_ password: String, salt: [UInt8], iterations: Int) throws(WebError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        let bytes = Array(password.utf8)
        let status = bytes.withUnsafeBufferPointer { pw in
            pw.withMemoryRebound(to: CChar.self) { chars in
                PKCS5_PBKDF2_HMAC(chars.baseAddress, Int32(bytes.count), salt, Int32(salt.count), Int32(iterations),
                                  EVP_sha256(), Int32(out.count), &out)
            }
        }
        guard status == 1 else { throw WebError("PBKDF2 failed in libcrypto") }
        return out
    }

    static func randomBytes(_ count: Int) throws(WebError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(count)) == 1 else { throw WebError("no random bytes from libcrypto") }
        return bytes
    }

    // MARK: The file

    /// The hash file beside the configuration: `<folder of config>/web-password`.
    static func defaultPath(forConfig config: String) -> String {
        guard let slash = config.lastIndex(of: "/") else { return "web-password" }
        return (slash == config.startIndex ? "" : String(config[..<slash])) + "/web-password"
    }

    /// The stored hash, nil when there is no file; throws when the file is there but unusable.
    static func load(_ path: String) throws(WebError) -> PasswordHash? {
        guard FileSystem.kind(of: path) != .missing else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard descriptor >= 0 else { throw WebError("cannot read \(path): \(FileSystem.errorText())") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw WebError("\(path) is not a regular file")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw WebError("\(path) can be read by others (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 \(path)")
        }
        let text = String(decoding: FileSystem.readAll(descriptor, limit: 4096), as: UTF8.self)
        guard let hash = PasswordHash(line: text) else {
            throw WebError("\(path) does not hold a password hash; set one with 'smartmeter-config web-password'")
        }
        return hash
    }

    /// Writes the hash atomically with mode 0600 (also over an existing file of another mode).
    func save(to path: String) throws(WebError) {
        do throws(FileSystem.FailureReason) {
            let slash = path.lastIndex(of: "/")
            let folder = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
            if FileSystem.kind(of: folder) == .missing { try FileSystem.createDirectories(folder, mode: 0o750) }
            let staged = try StagedFile(for: path)
            do {
                try staged.write(line + "\n")
            } catch {
                staged.discard()
                throw error
            }
            try staged.commit(mode: 0o600, keepOwnerAndMode: false)
        } catch {
            throw WebError(error.text)
        }
    }
}

/// A failure of the web configurator with its message for the user.
struct WebError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

import Glibc
import Protocols
import Delivery

/// What in a configuration is secret and how it may be shown: one answer for the collector's debug log,
/// `smartmeter-config show` and the check of the file's permissions. Keys (`key`, `auth_key`) and passwords never
/// appear in a log line or on a terminal; a `dsn` appears as libpq reads it, with every value that might be secret
/// hidden (see `PostgresConnectionString`).
public enum ConfigurationSecrets {
    /// Keys whose whole value is secret.
    public static let keys: Set<String> = ["key", "auth_key", "password", "token"]

    /// Whether the value of `key` holds a secret (a `dsn` does when it carries a password).
    public static func isSecret(key: String, value: String) -> Bool {
        guard !value.isEmpty else { return false }
        return keys.contains(key) || (key == "dsn" && dsnHoldsSecret(value))
    }

    /// The value as it may be shown: `mask` for a secret key, a `dsn` with its secrets replaced by `***`.
    public static func display(key: String, value: String, mask: String) -> String {
        if keys.contains(key) { return value.isEmpty ? value : mask }
        if key == "dsn" { return redactedDSN(value) }
        return value
    }

    /// `[reader0] key`, `[sink1] password`, ...: the secrets written in the file itself (not those that come from
    /// the environment).
    public static func secretsInFile(_ document: IniDocument) -> [String] {
        document.sections.flatMap { section in
            section.entries.filter { entry in
                if case .file = entry.location.origin { return isSecret(key: entry.key, value: entry.value) }
                return false
            }.map { "[\(section.name)] \($0.key)" }
        }
    }

    /// A warning when the file at `path` can be read by every user and holds secrets; nil otherwise.
    public static func permissionWarning(path: String, document: IniDocument) -> String? {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & S_IROTH != 0 else { return nil }
        let secrets = secretsInFile(document)
        guard !secrets.isEmpty else { return nil }
        return "\(path) is readable by every user of this machine and holds secrets (\(secrets.joined(separator: ", "))); "
            + "make it readable by the collector only: chmod 640 \(path)"
    }

    /// A libpq connection string with its secrets hidden (`PostgresConnectionString.redacted`).
    public static func redactedDSN(_ dsn: String) -> String {
        PostgresConnectionString.redacted(dsn)
    }

    /// Whether a dsn holds a value that is not shown; one libpq cannot read counts as secret.
    static func dsnHoldsSecret(_ dsn: String) -> Bool {
        guard let parsed = try? PostgresConnectionString(parsing: dsn) else { return true }
        return !parsed.secrets.isEmpty
    }
}

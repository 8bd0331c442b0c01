import Glibc

/// What in a configuration is secret and how it may be shown: one answer for the collector's debug log,
/// `smartmeter-config show` and the check of the file's permissions. Keys (`key`, `auth_key`) and passwords never
/// appear in a log line or on a terminal; a `dsn` appears with its password hidden.
public enum ConfigurationSecrets {
    /// Keys whose whole value is secret.
    public static let keys: Set<String> = ["key", "auth_key", "password"]

    /// Whether the value of `key` holds a secret (a `dsn` does when it carries a password).
    public static func isSecret(key: String, value: String) -> Bool {
        guard !value.isEmpty else { return false }
        return keys.contains(key) || (key == "dsn" && redactedDSN(value) != value)
    }

    /// The value as it may be shown: `mask` for a secret key, a `dsn` with its password replaced by `***`.
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

    /// A libpq connection string with its password hidden: `user:***@` and `password=***` in a
    /// `postgresql://` URI, `password=***` in a `key=value` string (quoted values with spaces included).
    public static func redactedDSN(_ dsn: String) -> String {
        if let scheme = ["postgres://", "postgresql://"].first(where: dsn.hasPrefix) {
            let schemeEnd = dsn.index(dsn.startIndex, offsetBy: scheme.count)
            var rest = dsn[schemeEnd...]
            var result = String(dsn[..<schemeEnd])
            // user:password@ before the host; the user info ends at the last '@' before the path.
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@") {
                let userInfo = rest[..<at]
                if let colon = userInfo.firstIndex(of: ":") {
                    result += userInfo[..<colon] + ":***"
                } else {
                    result += userInfo
                }
                rest = rest[at...]
            }
            guard let query = rest.firstIndex(of: "?") else { return result + rest }
            result += rest[...query]
            let parameters = rest[rest.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
            return result + parameters.map { $0.hasPrefix("password=") ? "password=***" : String($0) }.joined(separator: "&")
        }
        return redactedKeywordValues(dsn)
    }

    /// `key=value` pairs as libpq reads them: blanks around `=`, values single-quoted with backslash escapes.
    private static func redactedKeywordValues(_ text: String) -> String {
        let characters = Array(text)
        var result = ""
        var index = 0
        while index < characters.count {
            // Blanks and the keyword are kept as they are.
            let keywordStart = index
            while index < characters.count, characters[index] != "=" { index += 1 }
            let keyword = String(characters[keywordStart..<index]).trimmingBlanks()
            result += String(characters[keywordStart..<index])
            guard index < characters.count else { break }
            result += "="
            index += 1
            while index < characters.count, characters[index] == " " {
                result += " "
                index += 1
            }
            // The value: quoted, or up to the next blank.
            let valueStart = index
            if index < characters.count, characters[index] == "'" {
                index += 1
                while index < characters.count, characters[index] != "'" {
                    index += characters[index] == "\\" ? 2 : 1
                }
                index = min(index + 1, characters.count)
            } else {
                while index < characters.count, characters[index] != " " {
                    index += characters[index] == "\\" ? 2 : 1
                }
                index = min(index, characters.count)
            }
            result += keyword == "password" ? "***" : String(characters[valueStart..<index])
        }
        return result
    }
}

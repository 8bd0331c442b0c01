internal import CLibPQ
import Glibc

/// A libpq connection string (`key=value` pairs or a `postgresql://` URI) as libpq itself reads it
/// (`PQconninfoParse`), so that what we show and what we hide follow the parser that connects: a password written
/// percent-encoded in a URI, in its query, quoted with blanks or under a keyword we do not know is found all the same.
///
/// Shown are only the values of the keywords in `shownKeywords` (where the server is, who connects, how TLS is
/// checked); every other value that is set appears as `***`. Whatever libpq or the server says about a connection
/// is passed through `scrub` with the hidden values first.
public struct PostgresConnectionString: Sendable, Equatable {
    public struct Option: Sendable, Equatable {
        public let keyword: String
        public let value: String
        /// Whether the value may be shown: the keyword is one of `shownKeywords` and libpq does not mark it as a
        /// password field.
        public let isShown: Bool
    }

    /// Why a connection string cannot be read. Its text never quotes the string (libpq's own message may).
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// libpq refused it; its message is not repeated, since it can quote a part of the password.
        case unreadable
        /// libpq is not installed, so nothing can be said about the string.
        case noClientLibrary(String)

        public var description: String {
            switch self {
            case .unreadable:
                return "libpq cannot read the dsn (a connection string such as 'host=db user=meter' or a "
                    + "postgresql:// URI); its message is not shown, as it may quote a password"
            case .noClientLibrary(let reason):
                return reason
            }
        }
    }

    /// The options set, in libpq's order.
    public let options: [Option]

    /// Keywords whose values are shown: none of them holds a secret. Anything else (`password`, `sslpassword`,
    /// `options`, keywords of a newer libpq) is hidden.
    public static let shownKeywords: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "service", "passfile", "connect_timeout", "client_encoding",
        "application_name", "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
        "keepalives_count", "tcp_user_timeout", "sslmode", "sslnegotiation", "sslcompression", "sslcert", "sslkey",
        "sslcertmode", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer", "require_auth",
        "channel_binding", "ssl_min_protocol_version", "ssl_max_protocol_version", "gssencmode", "krbsrvname",
        "gsslib", "gssdelegation", "target_session_attrs", "load_balance_hosts", "replication",
    ]

    /// Reads `text` with libpq. A text that is neither a URI nor holds `=` is a database name, as libpq takes it;
    /// one with a blank in it is refused as unreadable: it is a connection string that lost its `=`
    /// (`password s3cret`), which libpq and the server would quote as the name of a database.
    public init(parsing text: String) throws(Problem) {
        guard Self.isConnectionString(text) else {
            if text.contains(where: \.isWhitespace) { throw .unreadable }
            options = [Option(keyword: "dbname", value: text, isShown: true)]
            return
        }
        let pq: LibPQ
        switch LibPQ.shared {
        case .success(let library): pq = library
        case .failure(let error): throw .noClientLibrary(error.description)
        }
        var message: UnsafeMutablePointer<CChar>?
        guard let parsed = pq.conninfoParse(text, &message) else {
            if let message { pq.freemem(message) }
            throw .unreadable
        }
        defer { pq.conninfoFree(parsed) }
        var options: [Option] = []
        var index = 0
        while let keyword = parsed[index].keyword {
            let option = parsed[index]
            index += 1
            guard let value = option.val else { continue }
            // libpq marks its password fields with "*": hidden even should the list above name them.
            let name = String(cString: keyword)
            let isPassword = option.dispchar.map { String(cString: $0) == "*" } ?? true
            options.append(Option(keyword: name, value: String(cString: value),
                                  isShown: !isPassword && Self.shownKeywords.contains(name)))
        }
        self.options = options
    }

    /// Whether libpq expands `text` given as `dbname` into options: a URI, or a text with `=`.
    public static func isConnectionString(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") || text.contains("=")
    }

    /// `host=db user=meter password=*** dbname=premises`: the options set, hidden values as `***`.
    public var display: String {
        options.map { $0.keyword + "=" + ($0.isShown ? Self.quoted($0.value) : "***") }.joined(separator: " ")
    }

    /// The values that are not shown: what `scrub` removes from messages.
    public var secrets: [String] {
        options.filter { !$0.isShown && !$0.value.isEmpty }.map(\.value)
    }

    /// `message` with every occurrence of each secret replaced by `***` (the longest first, so a secret that holds
    /// another is removed whole).
    public static func scrub(_ message: String, secrets: [String]) -> String {
        var message = message
        for secret in Set(secrets).sorted(by: { $0.count > $1.count }) where !secret.isEmpty {
            message = message.replacing(secret, with: "***")
        }
        return message
    }

    /// A value as libpq reads it back: single-quoted, with `\` before `'` and `\`, when empty or holding blanks.
    /// A connection string as libpq reads it, with only the values of `shownKeywords` shown and every other one as
    /// `***`: `host=db user=meter password=*** dbname=premises`. A string libpq cannot read (or when libpq is not
    /// installed) is not shown at all.
    public static func redacted(_ dsn: String) -> String {
        do {
            return try PostgresConnectionString(parsing: dsn).display
        } catch {
            switch error {
            case .unreadable: return "(not shown: libpq cannot read it)"
            case .noClientLibrary: return "(not shown: libpq, which reads it, is not installed)"
            }
        }
    }

    private static func quoted(_ value: String) -> String {
        guard value.isEmpty || value.contains(where: { $0 == " " || $0 == "'" || $0 == "\\" || $0.isWhitespace }) else {
            return value
        }
        var text = "'"
        for character in value {
            if character == "'" || character == "\\" { text.append("\\") }
            text.append(character)
        }
        return text + "'"
    }
}

import SystemSupport

/// Where a `postgresql` sink connects: the keys of its section turned into libpq keywords. `dsn` (a libpq URI or
/// `key=value` string) stands alone; otherwise `host` (a name, an address or a unix socket folder), `port` (5432),
/// `database` (premises), `user` (libpq's default: the system user), `password` and `sslmode` (prefer).
public struct PostgresSettings: Sendable, Equatable {
    public var dsn: String?
    public var host: String?
    public var port: Int = 5432
    public var database = "premises"
    public var user: String?
    public var password: String?
    public var sslmode = "prefer"
    public var connectTimeout = 10
    public var applicationName = "smartmeter-datacollector"
    /// The wait between connection attempts while the server cannot be reached; tests pass a short one.
    public var retry = PostgresSettings.defaultRetry

    /// 1 s doubling up to 30 s, each delay spread by ±10 %.
    public static let defaultRetry = Backoff.Policy(initial: .seconds(1), maximum: .seconds(30), factor: 2, jitter: 0.1)

    public init(dsn: String? = nil, host: String? = nil, port: Int = 5432, database: String = "premises",
                user: String? = nil, password: String? = nil, sslmode: String = "prefer") {
        self.dsn = dsn
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
        self.sslmode = sslmode
    }

    /// libpq keywords, in order; a later keyword overrides what the expanded `dsn` set.
    public var keywords: [(String, String)] {
        var keywords: [(String, String)] = []
        if let dsn {
            keywords.append(("dbname", dsn))
        } else {
            if let host { keywords.append(("host", host)) }
            keywords.append(("port", String(port)))
            keywords.append(("dbname", database))
            if let user { keywords.append(("user", user)) }
            if let password { keywords.append(("password", password)) }
            keywords.append(("sslmode", sslmode))
        }
        keywords.append(("connect_timeout", String(connectTimeout)))
        keywords.append(("application_name", applicationName))
        return keywords
    }

    /// For messages: `postgresql://user@host:port/database`, never the password.
    public var address: String {
        if let dsn { return Self.redacted(dsn) }
        return "postgresql://\(user.map { $0 + "@" } ?? "")\(host ?? "localhost"):\(port)/\(database)"
    }

    /// What weakens this connection's security, for a warning at every start: a server reached over the network
    /// whose certificate is not verified (every `sslmode` short of `verify-ca`; `prefer`, the default, encrypts
    /// when the server offers it but accepts any certificate). A `dsn` is passed to libpq as it is and not judged.
    public var securityWarnings: [String] {
        guard dsn == nil, let host, !host.hasPrefix("/"), !isLoopbackHost(host),
              !["verify-ca", "verify-full"].contains(sslmode) else { return [] }
        let what = sslmode == "disable" ? "readings and password travel in plain text"
            : "the server's certificate is not verified, so whoever sits between can pose as the server"
        return ["sslmode = \(sslmode) to \(host): \(what); verify-full (with the server's CA in ~/.postgresql/root.crt) checks it"]
    }

    /// A DSN with its password hidden (`password=...` or `user:secret@` in a URI).
    public static func redacted(_ dsn: String) -> String {
        PostgresConnectionString.redacted(dsn)
    }

    public func connect() throws(PostgresConnection.Failure) -> PostgresConnection {
        try PostgresConnection(keywords: keywords)
    }
}

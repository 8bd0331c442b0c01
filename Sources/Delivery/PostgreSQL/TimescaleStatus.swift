/// Whether a database can use TimescaleDB, found without touching the extension: `CREATE EXTENSION timescaledb` on
/// a server that does not preload the library ends the session with FATAL "extension must be preloaded", so the
/// preload is found first: in `shared_preload_libraries` where this user may read it (superusers and
/// `pg_read_all_settings`), else by a setting only TimescaleDB's preloaded loader defines.
public enum TimescaleStatus: Sendable, Equatable {
    /// The extension is created in this database (its version).
    case created(String)
    /// Installed on the server and preloaded, not yet created in this database.
    case available
    /// Installed on the server but not in `shared_preload_libraries`: cannot be created nor used.
    case notPreloaded
    /// Not installed on the server.
    case absent

    /// What to run so that the tables become hypertables, for logs and `test-sinks`.
    public static let preloadAdvice = "add timescaledb to shared_preload_libraries (shared_preload_libraries = "
        + "'timescaledb' in postgresql.conf, or run timescaledb-tune) and restart PostgreSQL"

    public static func probe(_ connection: PostgresConnection) throws(PostgresConnection.Failure) -> TimescaleStatus {
        let row = try connection.execute("""
            SELECT (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'),
                   EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'),
                   EXISTS (SELECT 1 FROM pg_settings WHERE name = 'shared_preload_libraries'
                           AND 'timescaledb' = ANY (string_to_array(replace(setting, ' ', ''), ',')))
                   OR EXISTS (SELECT 1 FROM pg_settings WHERE name = 'timescaledb.bgw_launcher_poll_time')
            """).first ?? []
        let version = row.first.flatMap { $0 }
        let installed = row.count > 1 && row[1] == "t"
        let preloaded = row.count > 2 && row[2] == "t"
        switch (version, installed, preloaded) {
        case (let version?, _, true): return .created(version)
        case (_, true, false): return .notPreloaded
        case (nil, true, true): return .available
        case (_?, false, false): return .notPreloaded
        case (nil, false, _): return .absent
        }
    }

    public var description: String {
        switch self {
        case .created(let version): return "TimescaleDB \(version)"
        case .available: return "TimescaleDB available (created at the first start)"
        case .notPreloaded: return "TimescaleDB installed but not preloaded (plain tables): " + Self.preloadAdvice
        case .absent: return "TimescaleDB not installed (plain tables)"
        }
    }
}

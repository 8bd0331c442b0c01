/// The Belgian P1 logger's four tables (its column names, types and keys, so its queries, notebooks and Grafana
/// dashboards read ours), created when missing, hypertables when TimescaleDB is available, and the batched insert.
public enum PremisesSchema {
    public static let tables = ["elec_measurement", "mbus_measurement", "peak_demand", "peak_demand_history"]

    /// Columns of each table in backup files, in order.
    public static let columns: [String: [String]] = [
        "elec_measurement": ["time", "device_id", "obis_name", "value"],
        "mbus_measurement": ["time", "device_id", "mbus_id", "mbus_type", "value"],
        "peak_demand": ["time", "device_id", "value"],
        "peak_demand_history": ["time", "device_id", "occurred", "value"],
    ]

    static let createStatements = [
        """
        CREATE TABLE IF NOT EXISTS elec_measurement (
            time TIMESTAMPTZ NOT NULL, device_id TEXT NOT NULL, obis_name TEXT NOT NULL, value REAL,
            PRIMARY KEY (time, device_id, obis_name))
        """,
        """
        CREATE TABLE IF NOT EXISTS mbus_measurement (
            time TIMESTAMPTZ NOT NULL, device_id TEXT NOT NULL, mbus_id TEXT NOT NULL, mbus_type TEXT, value REAL,
            PRIMARY KEY (time, device_id, mbus_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS peak_demand (
            time TIMESTAMPTZ NOT NULL, device_id TEXT, value REAL, PRIMARY KEY (time, device_id))
        """,
        """
        CREATE TABLE IF NOT EXISTS peak_demand_history (
            time TIMESTAMPTZ NOT NULL, device_id TEXT, occurred TIMESTAMPTZ, value REAL, PRIMARY KEY (time, device_id))
        """,
    ]

    /// Creates the tables when missing. With the timescaledb extension installed in the database, or available and
    /// creatable by this user, they become hypertables. Returns what was done, for the log.
    @discardableResult
    public static func ensure(on connection: PostgresConnection) throws(PostgresConnection.Failure) -> String {
        for statement in createStatements { try connection.execute(statement) }
        var installed = try !connection.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").isEmpty
        var note = ""
        if !installed,
           try !connection.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'").isEmpty {
            // Creating the extension when the server did not preload its library is a FATAL error that ends the
            // session (TimescaleDB 2.x): ask first.
            let preloaded = try connection.execute("SHOW shared_preload_libraries").first?.first??.contains("timescaledb") ?? false
            if !preloaded {
                return "tables ready (plain PostgreSQL; timescaledb is available but not in shared_preload_libraries)"
            }
            do {
                try connection.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
                installed = true
            } catch {
                if error.connectionLost { throw error }
                note = "; timescaledb is available but could not be created (\(error.description)): plain tables"
            }
        }
        guard installed else { return "tables ready (plain PostgreSQL\(note))" }
        for table in tables {
            try connection.execute("SELECT create_hypertable($1::regclass, 'time', if_not_exists => TRUE)", [table])
        }
        return "tables ready (TimescaleDB hypertables)"
    }

    static let insertElectricity = """
        INSERT INTO elec_measurement (time, device_id, obis_name, value)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::real[]) ON CONFLICT DO NOTHING
        """
    static let insertMBus = """
        INSERT INTO mbus_measurement (time, device_id, mbus_id, mbus_type, value)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::real[]) ON CONFLICT DO NOTHING
        """
    static let insertPeaks = """
        INSERT INTO peak_demand (time, device_id, value)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::real[]) ON CONFLICT DO NOTHING
        """
    static let insertPeakHistory = """
        INSERT INTO peak_demand_history (time, device_id, occurred, value)
        SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::timestamptz[], $4::real[]) ON CONFLICT DO NOTHING
        """

    /// Inserts the rows in one transaction, one statement per table with each column as an array parameter; rows
    /// already stored are skipped (`ON CONFLICT DO NOTHING`), so replaying a batch is harmless. Returns the rows
    /// actually added.
    @discardableResult
    public static func insert(_ rows: PremisesRows, on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Int {
        guard !rows.isEmpty else { return 0 }
        func time(_ seconds: Int64) -> String? { CivilTime.iso8601(seconds) }
        func number(_ value: Double) -> String? { "\(value)" }
        try connection.execute("BEGIN")
        do {
            var added = 0
            if !rows.electricity.isEmpty {
                let r = rows.electricity
                added += try connection.command(insertElectricity, [
                    PostgresArray.literal(r.map { time($0.time) }), PostgresArray.literal(r.map { $0.device }),
                    PostgresArray.literal(r.map { $0.name }), PostgresArray.literal(r.map { number($0.value) }),
                ])
            }
            if !rows.mbus.isEmpty {
                let r = rows.mbus
                added += try connection.command(insertMBus, [
                    PostgresArray.literal(r.map { time($0.time) }), PostgresArray.literal(r.map { $0.device }),
                    PostgresArray.literal(r.map { $0.mbusID }), PostgresArray.literal(r.map { $0.mbusType }),
                    PostgresArray.literal(r.map { number($0.value) }),
                ])
            }
            if !rows.peaks.isEmpty {
                let r = rows.peaks
                added += try connection.command(insertPeaks, [
                    PostgresArray.literal(r.map { time($0.time) }), PostgresArray.literal(r.map { $0.device }),
                    PostgresArray.literal(r.map { number($0.value) }),
                ])
            }
            if !rows.peakHistory.isEmpty {
                let r = rows.peakHistory
                added += try connection.command(insertPeakHistory, [
                    PostgresArray.literal(r.map { time($0.time) }), PostgresArray.literal(r.map { $0.device }),
                    PostgresArray.literal(r.map { $0.occurred.flatMap(time) }),
                    PostgresArray.literal(r.map { number($0.value) }),
                ])
            }
            try connection.execute("COMMIT")
            return added
        } catch {
            if !error.connectionLost { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }
}

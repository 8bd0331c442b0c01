import Protocols

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

    /// Creates the tables when missing. With the timescaledb extension installed in the database, or available
    /// (preloaded) and creatable by this user, they become hypertables; nothing more (a `timescaledb` sink passes its
    /// `TimescaleOptions` to `ensure(on:timescale:)`). Returns what was done, for the log.
    @discardableResult
    public static func ensure(on connection: PostgresConnection) throws(PostgresConnection.Failure) -> String {
        try ensure(on: connection, timescale: .hypertablesOnly).summary
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

    /// Inserts the rows in one transaction and returns the rows actually added. First with `COPY` (see
    /// `PremisesCopy`), the fastest way in; when that meets a row already stored (SQLSTATE 23505: a batch sent again
    /// after a lost connection, a capture replayed twice), the transaction is rolled back and the rows go in with one
    /// `INSERT ... ON CONFLICT DO NOTHING` per table, each column as an array parameter, which skips stored rows. So
    /// sending a batch again is harmless and every row is stored once.
    @discardableResult
    public static func insert(_ rows: PremisesRows, on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Int {
        guard !rows.isEmpty else { return 0 }
        do {
            return try transaction(on: connection) { () throws(PostgresConnection.Failure) -> Int in
                try PremisesCopy.copy(rows, on: connection)
            }
        } catch where error.sqlState == "23505" && !error.connectionLost {
            return try transaction(on: connection) { () throws(PostgresConnection.Failure) -> Int in
                try insertSkippingStored(rows, on: connection)
            }
        }
    }

    private static func transaction(on connection: PostgresConnection,
                                    _ body: () throws(PostgresConnection.Failure) -> Int) throws(PostgresConnection.Failure) -> Int {
        try connection.execute("BEGIN")
        do {
            let added = try body()
            try connection.execute("COMMIT")
            return added
        } catch {
            if !error.connectionLost { _ = try? connection.execute("ROLLBACK") }
            throw error
        }
    }

    /// One statement per table with each column as an array parameter; rows already stored are skipped.
    static func insertSkippingStored(_ rows: PremisesRows, on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Int {
        func time(_ seconds: Int64) -> String? { CivilTime.iso8601(seconds) }
        func number(_ value: Double) -> String? { "\(value)" }
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
        return added
    }
}

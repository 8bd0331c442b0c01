/// The roll-ups of `elec_measurement` beside the Belgian logger's tables: per 15 minutes, hour and day (days of
/// Europe/Brussels), one row per bucket, device and value name with the average, minimum, maximum, first and last
/// value, `delta` (last minus first: the energy of that bucket for an `A+`/`A-` register) and the number of samples.
/// Continuous aggregates refreshed by policy on TimescaleDB (real-time: the newest rows are added when read), plain
/// views elsewhere. Dashboards read them for ranges longer than a day.
public enum ElecAggregate: String, CaseIterable, Sendable {
    case quarterHour = "15min"
    case hour = "hourly"
    case day = "daily"

    public var name: String { "elec_measurement_" + rawValue }

    var bucketWidth: String {
        switch self {
        case .quarterHour: return "15 minutes"
        case .hour: return "1 hour"
        case .day: return "1 day"
        }
    }

    /// How often the policy refreshes, and how recent a bucket must be to be left to real-time aggregation.
    var refreshEvery: String {
        switch self {
        case .quarterHour: return "15 minutes"
        case .hour: return "1 hour"
        case .day: return "6 hours"
        }
    }

    private var timescaleBucket: String {
        switch self {
        case .quarterHour, .hour: return "time_bucket(INTERVAL '\(bucketWidth)', time)"
        case .day: return "time_bucket(INTERVAL '1 day', time, 'Europe/Brussels')"
        }
    }

    private var plainBucket: String {
        switch self {
        case .quarterHour, .hour: return "date_bin(INTERVAL '\(bucketWidth)', time, TIMESTAMPTZ '2000-01-01 00:00:00+00')"
        case .day: return "date_trunc('day', time, 'Europe/Brussels')"
        }
    }

    var plainView: String {
        """
        CREATE OR REPLACE VIEW \(name) AS
        SELECT \(plainBucket) AS bucket, device_id, obis_name,
               avg(value) AS avg, min(value) AS min, max(value) AS max,
               (array_agg(value ORDER BY time))[1] AS first, (array_agg(value ORDER BY time DESC))[1] AS last,
               (array_agg(value ORDER BY time DESC))[1] - (array_agg(value ORDER BY time))[1] AS delta,
               count(*) AS samples
        FROM elec_measurement GROUP BY 1, 2, 3
        """
    }

    var continuousView: String {
        """
        CREATE MATERIALIZED VIEW IF NOT EXISTS \(name)
        WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
        SELECT \(timescaleBucket) AS bucket, device_id, obis_name,
               avg(value) AS avg, min(value) AS min, max(value) AS max,
               first(value, time) AS first, last(value, time) AS last,
               last(value, time) - first(value, time) AS delta,
               count(*) AS samples
        FROM elec_measurement GROUP BY 1, 2, 3
        WITH NO DATA
        """
    }

    /// With its refresh policy: the last `refreshWindowDays` days recomputed every `refreshEvery`, so retention of
    /// raw rows (at least a week) never empties a refreshed bucket.
    func createContinuous(on connection: PostgresConnection) throws(PostgresConnection.Failure) {
        let isAggregate = try !connection.execute(
            "SELECT 1 FROM timescaledb_information.continuous_aggregates WHERE view_name = $1", [name]).isEmpty
        if !isAggregate {
            // The plain view made while TimescaleDB could not be used.
            try connection.execute("DROP VIEW IF EXISTS \(name)")
            try connection.execute(continuousView)
        }
        try connection.execute("""
            SELECT add_continuous_aggregate_policy($1::regclass,
                start_offset => make_interval(days => $2::int), end_offset => $3::interval,
                schedule_interval => $3::interval, if_not_exists => TRUE)
            """, [name, "\(TimescaleOptions.refreshWindowDays)", refreshEvery])
    }

    /// Whether an existing view of this name may belong to TimescaleDB (the extension is created in the database).
    func isContinuous(on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Bool {
        try !connection.execute("SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'").isEmpty
    }
}

/// The tables set up for TimescaleDB when it can be used (hypertables, compression, continuous aggregates, retention;
/// see `TimescaleOptions`), plain tables and plain views of the same aggregates when it cannot.
extension PremisesSchema {
    public struct Setup: Sendable {
        /// For the log: "tables ready (...)".
        public var summary: String
        /// Something the administrator should fix (TimescaleDB asked for, installed but not preloaded), logged once.
        public var warning: String?
        public var hypertables: Bool
    }

    /// Creates what is missing and applies the options; safe to run at every connection.
    public static func ensure(on connection: PostgresConnection,
                              timescale options: TimescaleOptions) throws(PostgresConnection.Failure) -> Setup {
        for statement in createStatements { try connection.execute(statement) }
        var status = try TimescaleStatus.probe(connection)
        var note = ""
        if status == .available {
            do {
                try connection.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
                status = try TimescaleStatus.probe(connection)
            } catch {
                if error.connectionLost { throw error }
                note = " (\(error.description))"
            }
        }
        switch status {
        case .created:
            try makeHypertables(options, on: connection)
            var features: [String] = []
            if options.requested {
                features = try applyTimescaleOptions(options, on: connection)
            }
            if !options.aggregates { try createPlainAggregateViews(on: connection) }
            return Setup(summary: "tables ready (TimescaleDB hypertables\(features.map { ", " + $0 }.joined()))",
                         warning: nil, hypertables: true)
        case .notPreloaded:
            try createPlainAggregateViews(on: connection)
            return Setup(summary: "tables ready (plain PostgreSQL: TimescaleDB is installed but not preloaded)",
                         warning: !options.requested ? nil
                             : "TimescaleDB is installed on the server but not preloaded, so the readings go to plain "
                                + "tables: " + TimescaleStatus.preloadAdvice,
                         hypertables: false)
        case .available:
            try createPlainAggregateViews(on: connection)
            return Setup(summary: "tables ready (plain PostgreSQL: TimescaleDB could not be created\(note))",
                         warning: !options.requested ? nil
                             : "TimescaleDB could not be created\(note), so the readings go to plain tables: run "
                                + "CREATE EXTENSION timescaledb in this database as its owner or a superuser",
                         hypertables: false)
        case .absent:
            try createPlainAggregateViews(on: connection)
            return Setup(summary: "tables ready (plain PostgreSQL)", warning: nil, hypertables: false)
        }
    }

    private static func makeHypertables(_ options: TimescaleOptions,
                                        on connection: PostgresConnection) throws(PostgresConnection.Failure) {
        // Rows stored in plain tables (before the preload was fixed) move into the first chunks.
        for table in tables {
            let hours = table == "elec_measurement" ? options.chunkIntervalHours : 24 * 30
            try connection.execute("""
                SELECT create_hypertable($1::regclass, 'time', chunk_time_interval => make_interval(hours => $2::int),
                                         if_not_exists => TRUE, migrate_data => TRUE)
                """, [table, "\(hours)"])
        }
        // A changed option applies to the chunks created from now on.
        guard options.requested else { return }
        try connection.execute("SELECT set_chunk_time_interval('elec_measurement', make_interval(hours => $1::int))",
                               ["\(options.chunkIntervalHours)"])
    }

    /// Compression, aggregates and retention of `elec_measurement`, the table that grows by 18 rows a second.
    /// Returns what is on, for the log.
    private static func applyTimescaleOptions(_ options: TimescaleOptions,
                                              on connection: PostgresConnection) throws(PostgresConnection.Failure) -> [String] {
        var features: [String] = []
        if let days = options.compressAfterDays {
            let enabled = try connection.execute("""
                SELECT compression_enabled FROM timescaledb_information.hypertables WHERE hypertable_name = 'elec_measurement'
                """).first?.first == "t"
            if !enabled {
                try connection.execute("""
                    ALTER TABLE elec_measurement SET (timescaledb.compress,
                        timescaledb.compress_segmentby = 'device_id, obis_name', timescaledb.compress_orderby = 'time DESC')
                    """)
            }
            if try !hasPolicy("policy_compression", "compress_after", days: days, on: connection) {
                try connection.execute("SELECT remove_compression_policy('elec_measurement', if_exists => TRUE)")
                try connection.execute("SELECT add_compression_policy('elec_measurement', make_interval(days => $1::int))",
                                       ["\(days)"])
            }
            features.append("compressed after \(days) days")
        } else {
            try connection.execute("SELECT remove_compression_policy('elec_measurement', if_exists => TRUE)")
        }
        if options.aggregates {
            for aggregate in ElecAggregate.allCases { try aggregate.createContinuous(on: connection) }
            features.append("aggregates per 15 minutes, hour and day")
        }
        if let days = options.rawRetentionDays {
            if try !hasPolicy("policy_retention", "drop_after", days: days, on: connection) {
                try connection.execute("SELECT remove_retention_policy('elec_measurement', if_exists => TRUE)")
                try connection.execute("SELECT add_retention_policy('elec_measurement', make_interval(days => $1::int))",
                                       ["\(days)"])
            }
            features.append("raw rows kept \(days) days")
        } else {
            try connection.execute("SELECT remove_retention_policy('elec_measurement', if_exists => TRUE)")
        }
        return features
    }

    /// Whether `elec_measurement` has the policy with this age already (so reconnecting does not replace it).
    private static func hasPolicy(_ procedure: String, _ key: String, days: Int,
                                  on connection: PostgresConnection) throws(PostgresConnection.Failure) -> Bool {
        try !connection.execute("""
            SELECT 1 FROM timescaledb_information.jobs
            WHERE proc_name = $1 AND hypertable_name = 'elec_measurement'
              AND (config->>$2)::interval = make_interval(days => $3::int)
            """, [procedure, key, "\(days)"]).isEmpty
    }

    /// Without TimescaleDB the aggregates are ordinary views computed when read, so that dashboards and queries
    /// written for them work on plain PostgreSQL too (slower over long ranges).
    private static func createPlainAggregateViews(on connection: PostgresConnection) throws(PostgresConnection.Failure) {
        for aggregate in ElecAggregate.allCases {
            let kind = try connection.execute("SELECT relkind FROM pg_class WHERE relname = $1 AND relnamespace = current_schema()::regnamespace",
                                              [aggregate.name]).first?.first.flatMap { $0 }
            // A continuous aggregate (left by TimescaleDB before the preload went away) is not replaced.
            guard kind == nil || kind == "v" else { continue }
            if kind == "v", try aggregate.isContinuous(on: connection) { continue }
            try connection.execute(aggregate.plainView)
        }
    }
}

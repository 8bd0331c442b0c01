import Foundation
import Protocols
import Testing
import TestSupport
import TestThreads
import Delivery

/// The `timescaledb` sink on a real PostgreSQL 15 with TimescaleDB (see `TimescaleDBForTests`): hypertables,
/// compression, continuous aggregates and retention with their policies run at once, rows replayed into compressed
/// chunks, and a server that has the extension installed but not preloaded (plain tables, one warning, every reading
/// stored; hypertables once the preload is fixed). The outage and restart tests run on it too (`PostgresFlavour`).
@Suite("TimescaleDB sink", .onOwnThread, .serialized,
       .enabled(if: TimescaleDBForTests.isAvailable,
                "TimescaleDB is not installed: set TIMESCALEDB_SOURCE to its source tarball or install it"))
struct TimescaleDBSinkTests {
    static func count(_ server: PostgresServer, _ sql: String) -> Int {
        (try? server.query(sql).first?.first).flatMap { $0.flatMap { Int($0) } } ?? -1
    }

    /// Sends `range` of the Fluvius telegrams (one per second of meter time, P+ = index W) and waits until stored.
    static func send(_ run: FluviusIntoPostgres, _ server: PostgresServer, _ range: Range<Int>) throws -> Bool {
        for index in range {
            run.pty.write(try FluviusTelegrams.telegram(index), pause: 0)
            usleep(3_000)
        }
        return eventually(timeout: 20) {
            count(server, "SELECT count(DISTINCT time) FROM elec_measurement") >= range.upperBound
        }
    }

    @Test("default options: hypertables, compression, aggregates; the policies run; replays into compressed chunks are harmless")
    func defaultOptions() throws {
        let server = try PostgresServer(preloadTimescaleDB: true)
        let directory = try TestFolder()
        let run = try FluviusIntoPostgres(server, directory: directory, type: "timescaledb")
        #expect(run.collector.stderr.contents.contains("tables ready (TimescaleDB hypertables, compressed after 7 days, aggregates per 15 minutes, hour and day)"),
                "\(run.collector.stderr.contents)")
        do {
            let connection = try server.connect()
            defer { connection.close() }
            try TimescaleDBForTests.pauseJobs(connection)
        }
        #expect(try Self.send(run, server, 0..<120), "\(run.collector.stderr.contents)")

        #expect(Set(try server.query("SELECT hypertable_name FROM timescaledb_information.hypertables").map { $0[0]! })
                == Set(PremisesSchema.tables))
        #expect(try server.query("SELECT time_interval FROM timescaledb_information.dimensions WHERE hypertable_name = 'elec_measurement'")
                .first?[0] == "1 day")
        let segments = try server.query("""
            SELECT attname, segmentby_column_index, orderby_column_index, orderby_asc FROM timescaledb_information.compression_settings
            WHERE hypertable_name = 'elec_measurement' ORDER BY attname
            """)
        #expect(segments.map { $0.map { $0 ?? "-" } } == [["device_id", "1", "-", "-"], ["obis_name", "2", "-", "-"],
                                                        ["time", "-", "1", "f"]], "\(segments)")
        let jobs = try server.query("""
            SELECT job_id, proc_name, coalesce(hypertable_name, '') FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY job_id
            """)
        #expect(jobs.map { $0[1]! }.sorted() == ["policy_compression", "policy_refresh_continuous_aggregate",
                                                 "policy_refresh_continuous_aggregate", "policy_refresh_continuous_aggregate"],
                "\(jobs)")
        // Every policy, run now: the readings are of 2020, older than 7 days, so compression takes them all.
        for job in jobs { _ = try server.query("CALL run_job($1::int)", [job[0]]) }
        let chunks = Self.count(server, "SELECT count(*) FROM show_chunks('elec_measurement')")
        #expect(chunks >= 1)
        #expect(Self.count(server, "SELECT count(*) FROM timescaledb_information.chunks WHERE hypertable_name = 'elec_measurement' AND is_compressed") == chunks)
        #expect(Self.count(server, "SELECT count(*) FROM elec_measurement") == 120 * 18)

        // The refresh policies cover the last three days only: the 2020 buckets come from real-time aggregation
        // until refreshed by hand, then from the materialisation.
        for aggregate in ElecAggregate.allCases {
            _ = try server.query("CALL refresh_continuous_aggregate($1::regclass, NULL, NULL)", [aggregate.name])
        }
        let materialised = try server.query("""
            SELECT count(*) FROM elec_measurement_15min WHERE obis_name = 'P+'
            """)
        #expect(materialised.first?[0] == "1")
        let quarter = try server.query("""
            SELECT round(avg::numeric, 4), round(min::numeric, 3), round(max::numeric, 3), round(first::numeric, 3),
                   round(last::numeric, 3), round(delta::numeric, 3), samples
            FROM elec_measurement_15min WHERE obis_name = 'P+'
            """)
        #expect(quarter.first?.map { $0 ?? "-" } == ["0.0595", "0.000", "0.119", "0.000", "0.119", "0.119", "120"], "\(quarter)")
        #expect(Self.count(server, "SELECT count(*) FROM elec_measurement_hourly WHERE obis_name = 'A+(T1)'") == 1)
        #expect(Self.count(server, "SELECT count(*) FROM elec_measurement_daily") == 18)

        // The same readings again (a spool replayed after a crash) into compressed chunks: nothing doubled.
        #expect(try Self.send(run, server, 0..<120))
        #expect(try Self.send(run, server, 120..<130))
        #expect(eventually(timeout: 20) { Self.count(server, "SELECT count(*) FROM elec_measurement") == 130 * 18 },
                "\(run.collector.stderr.contents)")
        run.collector.signal(SIGINT)
        #expect(run.collector.waitForExit(timeout: 10) == 0)
        #expect(!run.collector.stderr.contents.contains("retrying"), "\(run.collector.stderr.contents)")
    }

    @Test("raw_retention drops raw chunks while the aggregates keep their rows")
    func retention() throws {
        let server = try PostgresServer(preloadTimescaleDB: true)
        let connection = try server.connect()
        defer { connection.close() }
        let setup = try PremisesSchema.ensure(on: connection, timescale: TimescaleOptions(rawRetentionDays: 90))
        #expect(setup.hypertables)
        #expect(setup.summary.contains("raw rows kept 90 days"), "\(setup.summary)")
        // The policies start at once in the background; here they run when called, so that retention cannot drop
        // the rows before they are aggregated.
        try TimescaleDBForTests.pauseJobs(connection)
        #expect(try PremisesSchema.insert(Self.rows(600), on: connection) == 600)
        for aggregate in ElecAggregate.allCases {
            try connection.execute("CALL refresh_continuous_aggregate($1::regclass, NULL, NULL)", [aggregate.name])
        }
        let job = try connection.execute("SELECT job_id FROM timescaledb_information.jobs WHERE proc_name = 'policy_retention'")
        #expect(job.count == 1)
        try connection.execute("CALL run_job($1::int)", [job.first?.first ?? nil])
        #expect(try connection.execute("SELECT count(*) FROM elec_measurement").first?.first == "0")
        let hourly = try connection.execute("SELECT bucket, samples FROM elec_measurement_hourly")
        #expect(hourly.map { $0[1] } == ["600"], "\(hourly)")
        #expect(try connection.execute("SELECT sum(samples) FROM elec_measurement_15min").first?.first == "600")
        // Setting up again at the next connection keeps everything, the same jobs included; a changed option
        // replaces its policy.
        let jobs = try connection.execute("SELECT job_id FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY 1")
        #expect(jobs.count == 5)
        _ = try PremisesSchema.ensure(on: connection, timescale: TimescaleOptions(rawRetentionDays: 90))
        #expect(try connection.execute("SELECT job_id FROM timescaledb_information.jobs WHERE job_id >= 1000 ORDER BY 1") == jobs)
        _ = try PremisesSchema.ensure(on: connection, timescale: TimescaleOptions(compressAfterDays: 2, rawRetentionDays: 30))
        let changed = try connection.execute("""
            SELECT proc_name, coalesce(config->>'compress_after', config->>'drop_after') FROM timescaledb_information.jobs
            WHERE proc_name IN ('policy_compression', 'policy_retention') ORDER BY 1
            """)
        #expect(changed == [["policy_compression", "2 days"], ["policy_retention", "30 days"]], "\(changed)")
    }

    @Test("preloaded but the sink's user may not create the extension: plain tables and a warning saying who must create it")
    func notCreatable() throws {
        let server = try PostgresServer(preloadTimescaleDB: true)
        _ = try server.query("CREATE ROLE meter LOGIN PASSWORD 'meter'")
        _ = try server.query("GRANT CREATE ON SCHEMA public TO meter")
        var settings = server.settings
        settings.user = "meter"
        settings.password = "meter"
        let connection = try settings.connect()
        defer { connection.close() }
        let setup = try PremisesSchema.ensure(on: connection, timescale: TimescaleOptions())
        #expect(!setup.hypertables)
        #expect(setup.summary.hasPrefix("tables ready (plain PostgreSQL: TimescaleDB could not be created ("), "\(setup.summary)")
        #expect(setup.warning?.contains("CREATE EXTENSION timescaledb in this database as its owner or a superuser") == true,
                "\(String(describing: setup.warning))")
        #expect(try PremisesSchema.insert(Self.rows(60), on: connection) == 60)
        #expect(try PremisesSchema.ensure(on: connection, timescale: .hypertablesOnly).warning == nil,
                "a postgresql sink is not warned")
        // Created by a superuser: the owner of the tables sets up hypertables, compression, aggregates and policies.
        _ = try server.query("CREATE EXTENSION timescaledb")
        let fixed = try PremisesSchema.ensure(on: connection, timescale: TimescaleOptions(rawRetentionDays: 90))
        #expect(fixed.hypertables && fixed.warning == nil, "\(fixed.summary)")
        #expect(fixed.summary.contains("raw rows kept 90 days"), "\(fixed.summary)")
        #expect(try connection.execute("SELECT count(*) FROM elec_measurement").first?.first == "60")
        #expect(try connection.execute("SELECT count(*) FROM timescaledb_information.jobs WHERE job_id >= 1000").first?.first == "5")
    }

    static func rows(_ count: Int) -> PremisesRows {
        var rows = PremisesRows()
        for second in 0..<count {
            rows.electricity.append(.init(time: 1_589_292_000 + Int64(second), device: "M", name: "P+", value: Double(second)))
        }
        return rows
    }

    @Test("installed but not preloaded: plain tables, one warning with the fix, every reading stored; hypertables once preloaded")
    func notPreloaded() throws {
        let server = try PostgresServer()
        let directory = try TestFolder()
        let run = try FluviusIntoPostgres(server, directory: directory, type: "timescaledb")
        #expect(try Self.send(run, server, 0..<30), "\(run.collector.stderr.contents)")
        #expect(Self.count(server, "SELECT count(*) FROM elec_measurement") == 30 * 18)
        #expect(Self.count(server, "SELECT count(*) FROM pg_extension WHERE extname = 'timescaledb'") == 0)
        #expect(Self.count(server, "SELECT count(*) FROM elec_measurement_hourly WHERE obis_name = 'P+'") == 1,
                "the aggregates are plain views")
        // Restarted: the collector reconnects, sets up again, and does not repeat the warning.
        server.stop()
        try server.start()
        #expect(try Self.send(run, server, 30..<40), "\(run.collector.stderr.contents)")
        let log = run.collector.stderr.contents
        #expect(log.components(separatedBy: "shared_preload_libraries = 'timescaledb'").count - 1 == 1, "\(log)")
        #expect(log.contains("timescaledb-tune"), "\(log)")

        // Fixed: the next connection creates the extension and moves the stored rows into hypertables.
        server.stop()
        try server.preloadTimescaleDBAtNextStart()
        try server.start()
        #expect(try Self.send(run, server, 40..<50), "\(run.collector.stderr.contents)")
        run.collector.signal(SIGINT)
        #expect(run.collector.waitForExit(timeout: 10) == 0)
        #expect(Self.count(server, "SELECT count(*) FROM timescaledb_information.hypertables") == 4)
        #expect(Self.count(server, "SELECT count(*) FROM elec_measurement") == 50 * 18)
        #expect(Self.count(server, "SELECT count(*) FROM timescaledb_information.continuous_aggregates") == 3)
        #expect(Self.count(server, "SELECT sum(samples) FROM elec_measurement_hourly WHERE obis_name = 'P+'") == 50)
    }
}

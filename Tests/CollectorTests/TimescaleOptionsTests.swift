import Foundation
import Configuration
import Protocols
import Testing
import TestThreads
import Delivery

/// The `timescaledb` sink's options: defaults a Raspberry Pi can live with, `0` turning compression and retention
/// off, the `postgresql` sink left with hypertables only, and the validator's ranges and rules.
@Suite(.onOwnThread) struct TimescaleOptionsTests {
    static let reader = "[reader0]\ntype = fluvius\nport = /dev/ttyUSB0\n"

    static func sink(_ extra: String, type: String = "timescaledb") -> String {
        reader + "[sink0]\ntype = \(type)\nhost = /var/run/postgresql\n" + extra
    }

    /// The typed settings the validator makes of a sink section.
    static func settings(_ text: String) throws -> PostgresSinkSettings {
        let configuration = try ConfigurationValidationTests.validate(text).get()
        guard case .postgresql(let settings)? = configuration.sinks.first?.settings else {
            Issue.record("not a PostgreSQL sink: \(configuration.sinks)")
            throw CancellationError()
        }
        return settings
    }

    @Test("defaults: daily chunks, compressed after 7 days, aggregates, raw rows kept")
    func defaults() throws {
        let options = try Self.settings(Self.sink("")).timescale
        #expect(options == TimescaleOptions())
        #expect(options.chunkIntervalHours == 24 && options.compressAfterDays == 7 && options.rawRetentionDays == nil)
        #expect(options.aggregates && options.requested)
        let postgres = try Self.settings(Self.sink("", type: "postgresql"))
        #expect(postgres.timescale == .hypertablesOnly)
        #expect(!TimescaleOptions.hypertablesOnly.requested)
        #expect(postgres.batchReadings == PostgresSinkSettings.defaultBatchReadings)
        #expect(postgres.connection.host == "/var/run/postgresql" && postgres.connection.database == "premises")
    }

    @Test("values, and 0 for never")
    func values() throws {
        let options = try Self.settings(Self.sink(
            "chunk_interval_hours = 6\ncompress_after = 0\naggregates = no\nraw_retention = 0\n")).timescale
        #expect(options == TimescaleOptions(chunkIntervalHours: 6, compressAfterDays: nil, rawRetentionDays: nil,
                                            aggregates: false))
        let kept = try Self.settings(Self.sink("raw_retention = 90\ncompress_after = 2\n")).timescale
        #expect(kept.rawRetentionDays == 90 && kept.compressAfterDays == 2)
    }

    @Test("validated: ranges, retention shorter than the refresh window, retention without aggregates, keys of postgresql")
    func validation() throws {
        let problems = try ConfigurationValidationTests.problems(Self.sink(
            "chunk_interval_hours = 0\ncompress_after = soon\nraw_retention = 3\n"))
        #expect(problems.contains { $0.contains("[sink0] chunk_interval_hours") }, "\(problems)")
        #expect(problems.contains { $0.contains("[sink0] compress_after") }, "\(problems)")
        #expect(problems.contains { $0.contains("[sink0] raw_retention: 3 days is shorter than the aggregates' refresh window; at least 7") },
                "\(problems)")
        let noAggregates = try ConfigurationValidationTests.problems(Self.sink("aggregates = false\nraw_retention = 90\n"))
        #expect(noAggregates.contains { $0.contains("raw_retention drops rows that no aggregate keeps") }, "\(noAggregates)")
        #expect(try ConfigurationValidationTests.problems(Self.sink("raw_retention = 90\ncompress_after = 7\n")).isEmpty)
        let onPostgres = try ConfigurationValidationTests.problems(Self.sink("compress_after = 7\n", type: "postgresql"))
        #expect(onPostgres.contains { $0.contains("[sink0] compress_after") }, "\(onPostgres)")
    }
}

import Foundation
import Protocols
import Testing
import TestThreads

/// The `timescaledb` sink's options: defaults a Raspberry Pi can live with, `0` turning compression and retention
/// off, the `postgresql` sink left with hypertables only, and the validator's ranges and rules.
@Suite(.onOwnThread) struct TimescaleOptionsTests {
    static let reader = "[reader0]\ntype = fluvius\nport = /dev/ttyUSB0\n"

    static func sink(_ extra: String, type: String = "timescaledb") -> String {
        reader + "[sink0]\ntype = \(type)\nhost = /var/run/postgresql\n" + extra
    }

    @Test("defaults: daily chunks, compressed after 7 days, aggregates, raw rows kept")
    func defaults() throws {
        let options = TimescaleOptions(sink: "timescaledb", options: [:])
        #expect(options == TimescaleOptions())
        #expect(options.chunkIntervalHours == 24 && options.compressAfterDays == 7 && options.rawRetentionDays == nil)
        #expect(options.aggregates && options.requested)
        #expect(TimescaleOptions(sink: "postgresql", options: ["compress_after": "3"]) == .hypertablesOnly)
        #expect(!TimescaleOptions.hypertablesOnly.requested)
    }

    @Test("values, and 0 for never")
    func values() throws {
        let configuration = try ConfigurationValidationTests.validate(Self.sink(
            "chunk_interval_hours = 6\ncompress_after = 0\naggregates = no\nraw_retention = 0\n")).get()
        let sink = try #require(configuration.sinks.first)
        let options = TimescaleOptions(sink: sink.type, options: sink.options)
        #expect(options == TimescaleOptions(chunkIntervalHours: 6, compressAfterDays: nil, rawRetentionDays: nil,
                                            aggregates: false))
        let kept = TimescaleOptions(sink: "timescaledb", options: ["raw_retention": "90", "compress_after": "2"])
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

/// What a `timescaledb` sink asks of TimescaleDB beyond hypertables: chunk size, native compression, continuous
/// aggregates and retention of raw rows. The defaults suit a Raspberry Pi storing one telegram per second: daily
/// chunks (about 1.5 million rows, some 200 MB before compression), compression after 7 days, the three aggregates,
/// and raw rows kept for ever (the aggregates are what a year-long dashboard reads).
///
/// A `postgresql` sink uses `hypertablesOnly`: hypertables when the extension is there, nothing more, as before.
public struct TimescaleOptions: Sendable, Equatable {
    /// Hours of raw rows per chunk of `elec_measurement`.
    public var chunkIntervalHours: Int
    /// Days after which chunks are compressed; nil: never.
    public var compressAfterDays: Int?
    /// Days after which raw rows are dropped (the aggregates keep theirs); nil: never.
    public var rawRetentionDays: Int?
    /// The continuous aggregates `elec_measurement_15min`, `_hourly` and `_daily` with their refresh policies.
    public var aggregates: Bool
    /// Asked for by the sink (`timescaledb`): a server that cannot give TimescaleDB is warned about.
    public var requested = true

    public static let defaultChunkIntervalHours = 24
    public static let defaultCompressAfterDays = 7
    /// Days of raw rows each refresh of an aggregate recomputes; retention must leave them in place.
    public static let refreshWindowDays = 3

    public init(chunkIntervalHours: Int = defaultChunkIntervalHours, compressAfterDays: Int? = defaultCompressAfterDays,
                rawRetentionDays: Int? = nil, aggregates: Bool = true) {
        self.chunkIntervalHours = chunkIntervalHours
        self.compressAfterDays = compressAfterDays
        self.rawRetentionDays = rawRetentionDays
        self.aggregates = aggregates
    }

    /// Hypertables with the extension's default chunks; no compression, aggregates or retention.
    public static let hypertablesOnly: TimescaleOptions = {
        var options = TimescaleOptions(chunkIntervalHours: 24 * 7, compressAfterDays: nil, rawRetentionDays: nil,
                                       aggregates: false)
        options.requested = false
        return options
    }()
}

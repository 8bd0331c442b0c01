import Protocols

/// The file of the CSV sink a reading goes to: `STEM_YYYY-MM-DD.csv` for its UTC day, where STEM is
/// `FileNameEscaping.fileStem(forSource:)`, or `STEM_invalid-time.csv` when the meter's time is before 2000-01-01 or
/// more than a day after the collector's clock, so that a meter's clock cannot make a file per day of a century.
/// Every name is at most 64 + 17 bytes of `[A-Za-z0-9._~-]`.
package enum CSVFileName {
    /// 2000-01-01T00:00:00Z.
    package static let earliest: Int64 = 946_684_800
    /// How far ahead of the collector's clock a reading's time may be.
    package static let aheadAllowed: Int64 = 86_400
    package static let invalidTimeSuffix = "_invalid-time.csv"

    package static func name(source: String, timestamp: Int64, now: Int64) -> String {
        let stem = FileNameEscaping.fileStem(forSource: source)
        guard timestamp >= earliest, timestamp <= now + aheadAllowed else { return stem + invalidTimeSuffix }
        return stem + "_" + CivilTime.iso8601(timestamp / 86_400 * 86_400).prefix(10) + ".csv"
    }
}

/// A COSEM `date-time` (12 bytes): year, month, day, weekday, hour, minute, second, hundredths, deviation, clock status.
///
/// Fields a meter leaves "not specified" (0xFF, 0xFFFF for the year) are `nil`. The deviation is the number of
/// minutes to add to the local time to get UTC (0xFF88 = -120 means local time is UTC+02:00); 0x8000 means not
/// specified.
public struct CosemDateTime: Sendable, Equatable {
    public var year: Int?
    public var month: Int?
    public var day: Int?
    public var weekday: Int?
    public var hour: Int?
    public var minute: Int?
    public var second: Int?
    public var hundredths: Int?
    public var deviationMinutes: Int?
    public var clockStatus: UInt8?

    /// Reads the 12 bytes of `bytes` (fewer or more give an all-unspecified value).
    public init(bytes: ArraySlice<UInt8>) {
        guard bytes.count == 12 else { return }
        let b = Array(bytes)
        let rawYear = Int(b[0]) << 8 | Int(b[1])
        year = rawYear == 0xFFFF ? nil : rawYear
        month = Self.field(b[2], valid: 1...12)
        day = Self.field(b[3], valid: 1...31)
        weekday = Self.field(b[4], valid: 1...7)
        hour = Self.field(b[5], valid: 0...23)
        minute = Self.field(b[6], valid: 0...59)
        second = Self.field(b[7], valid: 0...59)
        hundredths = Self.field(b[8], valid: 0...99)
        let rawDeviation = Int16(bitPattern: UInt16(b[9]) << 8 | UInt16(b[10]))
        deviationMinutes = rawDeviation == Int16.min || !(-720...840).contains(rawDeviation) ? nil : Int(rawDeviation)
        clockStatus = b[11] == 0xFF ? nil : b[11]
    }

    public init(year: Int?, month: Int?, day: Int?, hour: Int?, minute: Int?, second: Int?,
                hundredths: Int? = nil, deviationMinutes: Int? = nil, clockStatus: UInt8? = nil) {
        self.year = year
        self.month = month
        self.day = day
        self.hour = hour
        self.minute = minute
        self.second = second
        self.hundredths = hundredths
        self.deviationMinutes = deviationMinutes
        self.clockStatus = clockStatus
    }

    private static func field(_ byte: UInt8, valid: ClosedRange<Int>) -> Int? {
        valid.contains(Int(byte)) ? Int(byte) : nil
    }

    /// The wall-clock time as seconds since 1970-01-01 read as if it were UTC, when the date and time of day are
    /// fully specified (hundredths are dropped: readings are second-resolution).
    public var wallClockSeconds: Int64? {
        guard let year, let month, let day, let hour, let minute, let second else { return nil }
        guard (1970...9999).contains(year), day <= CivilTime.daysInMonth(year: year, month: month) else { return nil }
        return CivilTime.secondsSinceEpoch(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// The instant in UTC seconds: the transmitted deviation when there is one, else the wall clock read in `zone`.
    public func utcSeconds(in zone: ZoneOffsetResolver) -> Int64? {
        guard let local = wallClockSeconds else { return nil }
        if let deviationMinutes {
            return local + Int64(deviationMinutes) * 60
        }
        return zone.utcSeconds(fromWallClock: local)
    }
}

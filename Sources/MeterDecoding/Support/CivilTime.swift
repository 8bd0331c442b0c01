/// Proleptic Gregorian calendar arithmetic on plain integers (no Foundation, no allocation).
public enum CivilTime {
    /// Days from 1970-01-01 to the given date (days-from-civil, after H. Hinnant's published algorithm).
    public static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    public static func secondsSinceEpoch(year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) -> Int64 {
        daysSinceEpoch(year: year, month: month, day: day) * 86_400
            + Int64(hour) * 3_600 + Int64(minute) * 60 + Int64(second)
    }

    public static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// (year, month, day, hour, minute, second) of a UTC instant.
    public static func components(ofSeconds seconds: Int64) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int) {
        var days = seconds / 86_400
        var secondOfDay = seconds % 86_400
        if secondOfDay < 0 {
            secondOfDay += 86_400
            days -= 1
        }
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day), Int(secondOfDay / 3_600), Int(secondOfDay % 3_600 / 60), Int(secondOfDay % 60))
    }

    /// ISO 8601 UTC text, `2021-07-06T12:58:18Z`.
    public static func iso8601(_ seconds: Int64) -> String {
        let c = components(ofSeconds: seconds)
        return String(unsafeUninitializedCapacity: 20) { out in
            var position = 0
            func digits(_ value: Int, _ width: Int) {
                var divisor = 1
                for _ in 1..<width { divisor *= 10 }
                var v = value
                while divisor > 0 {
                    out[position] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v / divisor % 10)
                    position += 1
                    v %= divisor
                    divisor /= 10
                }
            }
            func character(_ ascii: Unicode.Scalar) {
                out[position] = UInt8(ascii: ascii)
                position += 1
            }
            digits(c.year, 4); character("-"); digits(c.month, 2); character("-"); digits(c.day, 2); character("T")
            digits(c.hour, 2); character(":"); digits(c.minute, 2); character(":"); digits(c.second, 2); character("Z")
            return position
        }
    }
}

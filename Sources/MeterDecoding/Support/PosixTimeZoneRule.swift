/// A POSIX TZ rule such as `CET-1CEST,M3.5.0,M10.5.0/3` (POSIX.1 8.3 with RFC 8536's extension of hours to
/// +-167): the footer of a TZif file, used for instants after its last transition, or a `TZ` variable.
struct PosixTimeZoneRule: Sendable {
    /// A day of the year a change happens on, and the local time of day it happens at.
    struct Change: Sendable {
        enum Day: Sendable {
            case julianNoLeap(Int)                       // Jn: 1...365, February 29 never counted
            case zeroBased(Int)                          // n: 0...365
            case monthWeekDay(month: Int, week: Int, weekday: Int) // Mm.w.d: week 5 = the last
        }
        var day: Day
        var secondOfDay: Int64 = 7_200
    }

    let standard: TimeZoneRules.LocalTime
    let daylight: TimeZoneRules.LocalTime?
    let start: Change?
    let end: Change?

    init?(_ text: String) {
        var scanner = Scanner(Array(text.utf8))
        guard scanner.skipName(), let standardOffset = scanner.offset() else { return nil }
        standard = .init(offset: -standardOffset, isDaylight: false)
        guard !scanner.atEnd else { daylight = nil; start = nil; end = nil; return }
        guard scanner.skipName() else { return nil }
        let daylightOffset = scanner.peek == UInt8(ascii: ",") || scanner.atEnd ? standardOffset - 3_600
            : scanner.offset()
        guard let daylightOffset else { return nil }
        daylight = .init(offset: -daylightOffset, isDaylight: true)
        if scanner.atEnd {
            // No rule given: the US rule, as glibc assumes.
            start = Change(day: .monthWeekDay(month: 3, week: 2, weekday: 0))
            end = Change(day: .monthWeekDay(month: 11, week: 1, weekday: 0))
            return
        }
        guard scanner.take(","), let start = scanner.change(), scanner.take(","), let end = scanner.change(),
              scanner.atEnd else { return nil }
        self.start = start
        self.end = end
    }

    func localTime(atUTC seconds: Int64) -> TimeZoneRules.LocalTime {
        guard let daylight, let start, let end else { return standard }
        let year = CivilTime.components(ofSeconds: seconds + standard.offset).year
        // Start is given in standard local time, end in daylight local time.
        let startUTC = Self.instant(of: start, year: year) - standard.offset
        let endUTC = Self.instant(of: end, year: year) - daylight.offset
        let inDaylight = startUTC < endUTC ? (seconds >= startUTC && seconds < endUTC)
            : !(seconds >= endUTC && seconds < startUTC)
        return inDaylight ? daylight : standard
    }

    /// Local seconds since the epoch of a change in `year`.
    private static func instant(of change: Change, year: Int) -> Int64 {
        let january1 = CivilTime.daysSinceEpoch(year: year, month: 1, day: 1)
        let day: Int64
        switch change.day {
        case .julianNoLeap(let n):
            day = january1 + Int64(n - 1) + (CivilTime.isLeapYear(year) && n >= 60 ? 1 : 0)
        case .zeroBased(let n):
            day = january1 + Int64(n)
        case .monthWeekDay(let month, let week, let weekday):
            let first = CivilTime.daysSinceEpoch(year: year, month: month, day: 1)
            let firstWeekday = Int((first % 7 + 7 + 4) % 7) // 1970-01-01 was a Thursday
            var dayOfMonth = 1 + (weekday - firstWeekday + 7) % 7 + (week - 1) * 7
            let length = CivilTime.daysInMonth(year: year, month: month)
            while dayOfMonth > length { dayOfMonth -= 7 }
            day = first + Int64(dayOfMonth - 1)
        }
        return day * 86_400 + change.secondOfDay
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { index >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[index] }

        mutating func take(_ character: Character) -> Bool {
            guard let peek, peek == character.asciiValue else { return false }
            index += 1
            return true
        }

        /// A zone abbreviation: `<+0330>` or three or more letters.
        mutating func skipName() -> Bool {
            if take("<") {
                while let peek, peek != UInt8(ascii: ">") { index += 1 }
                return take(">")
            }
            let begin = index
            while let peek, (peek | 0x20) >= UInt8(ascii: "a"), (peek | 0x20) <= UInt8(ascii: "z") { index += 1 }
            return index - begin >= 3
        }

        mutating func number() -> Int64? {
            let begin = index
            var value: Int64 = 0
            while let peek, peek >= 0x30, peek <= 0x39, index - begin < 6 {
                value = value * 10 + Int64(peek - 0x30)
                index += 1
            }
            return index > begin ? value : nil
        }

        /// `[+-]hh[:mm[:ss]]` in seconds.
        mutating func offset() -> Int64? {
            let negative = take("-")
            if !negative { _ = take("+") }
            guard let hours = number(), hours <= 167 else { return nil }
            var seconds = hours * 3_600
            if take(":") {
                guard let minutes = number(), minutes < 60 else { return nil }
                seconds += minutes * 60
                if take(":") {
                    guard let rest = number(), rest < 60 else { return nil }
                    seconds += rest
                }
            }
            return negative ? -seconds : seconds
        }

        mutating func change() -> Change? {
            var change: Change
            if take("M") {
                guard let month = number(), (1...12).contains(month), take("."), let week = number(),
                      (1...5).contains(week), take("."), let weekday = number(), weekday <= 6 else { return nil }
                change = Change(day: .monthWeekDay(month: Int(month), week: Int(week), weekday: Int(weekday)))
            } else if take("J") {
                guard let n = number(), (1...365).contains(n) else { return nil }
                change = Change(day: .julianNoLeap(Int(n)))
            } else {
                guard let n = number(), n <= 365 else { return nil }
                change = Change(day: .zeroBased(Int(n)))
            }
            if take("/") {
                guard let time = offset() else { return nil }
                change.secondOfDay = time
            }
            return change
        }
    }
}
